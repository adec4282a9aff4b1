// What a subcommand checked and saw: assertions (which decide the exit
// status) and observations (recorded for comparison with another backend).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace vsc::cli {

class Report {
public:
	// Asserts cond; prints "ok" or "FAIL" with the name and detail.
	bool check(const std::string &name, bool cond, const std::string &detail = {});
	// Records an observation: printed, and written to the record file.
	void observe(const std::string &key, const std::string &value);
	void info(const std::string &msg);
	unsigned failures() const { return failures_; }
	unsigned checks() const { return checks_; }
	// Writes the observations ("key = value" lines) to path.
	void write_record(const std::string &path) const;
	// Prints the summary line; returns the exit status (0 only if all held).
	int finish(const std::string &command);

private:
	unsigned failures_ = 0, checks_ = 0;
	std::vector<std::pair<std::string, std::string>> obs_;
};

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

} // namespace vsc::cli
