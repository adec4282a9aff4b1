#include "log.hpp"

#include <cstdarg>
#include <cstdio>
#include <algorithm>
#include <ctime>

namespace fcf {

static bool g_verbose;

void set_verbose(bool v)
{
	g_verbose = v;
}

bool verbose()
{
	return g_verbose;
}

static void vlog(const char *fmt, va_list ap)
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	tm t{};
	gmtime_r(&ts.tv_sec, &t);
	// One write per line: two threads log.
	char line[1024];
	int n = std::snprintf(line, sizeof line, "%02d:%02d:%02d.%03ld vport-fcf: ", t.tm_hour,
			      t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
	if (n > 0 && static_cast<std::size_t>(n) < sizeof line - 2) {
		int m = std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n) - 1, fmt, ap);
		if (m > 0)
			n = std::min(n + m, static_cast<int>(sizeof line) - 2);
	}
	line[n] = '\n';
	line[n + 1] = 0;
	std::fputs(line, stdout);
	std::fflush(stdout);
}

void logf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void debugf(const char *fmt, ...)
{
	if (!g_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

}  // namespace fcf
