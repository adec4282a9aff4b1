#include "report.hpp"

#include <cstdarg>
#include <fstream>
#include <stdexcept>

namespace vsc::cli {

bool Report::check(const std::string &name, bool cond, const std::string &detail)
{
	checks_++;
	if (!cond)
		failures_++;
	std::printf("%s %s%s%s\n", cond ? "ok  " : "FAIL", name.c_str(), detail.empty() ? "" : ": ",
		    detail.c_str());
	std::fflush(stdout);
	return cond;
}

void Report::observe(const std::string &key, const std::string &value)
{
	obs_.emplace_back(key, value);
	std::printf("obs  %s = %s\n", key.c_str(), value.c_str());
	std::fflush(stdout);
}

void Report::info(const std::string &msg)
{
	std::printf("     %s\n", msg.c_str());
	std::fflush(stdout);
}

void Report::write_record(const std::string &path) const
{
	std::ofstream f(path);
	if (!f)
		throw std::runtime_error("cannot write record file " + path);
	for (const auto &[k, v] : obs_)
		f << k << " = " << v << "\n";
}

int Report::finish(const std::string &command)
{
	std::printf("%s: %u checks, %u failed\n", command.c_str(), checks_, failures_);
	std::fflush(stdout);
	return failures_ ? 1 : 0;
}

std::string fmt(const char *f, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

} // namespace vsc::cli
