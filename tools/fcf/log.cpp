#include "log.hpp"

#include <cstdarg>
#include <cstdio>
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
	std::printf("%02d:%02d:%02d.%03ld vport-fcf: ", t.tm_hour, t.tm_min, t.tm_sec,
		    ts.tv_nsec / 1000000);
	std::vprintf(fmt, ap);
	std::printf("\n");
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
