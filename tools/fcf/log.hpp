// One-line log messages with a timestamp, to stdout (vport-san sends them to
// /run/vport-san/fcf.log).
#pragma once

namespace fcf {

void set_verbose(bool v);
bool verbose();
void logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debugf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace fcf
