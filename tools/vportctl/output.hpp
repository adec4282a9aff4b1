// SPDX-License-Identifier: GPL-2.0-or-later
// One print path for text and JSON, like `ip -j`: a command builds a JSON
// value, then either prints it as JSON or renders it as text. Text never
// shows anything the JSON lacks.
#pragma once

#include "cli.hpp"

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace vportctl {

// A table column: header, and how to get the cell from a row object
// ("-" when the row lacks it).
struct Column {
	std::string header;
	std::function<std::string(const Json &row)> cell;
};

// A column showing one key of the row.
Column key_column(std::string header, std::string key);

// The "IDS" column of a LUN row (probe, migrate describe): its VPD 0x83
// identifiers ("ids") and the error that kept some from being read.
Column lun_ids_column();

// Renders an array of objects as an aligned table.
void render_table(std::ostream &out, const Json &rows, const std::vector<Column> &columns);

// Renders an object as "label  value" lines: nested objects and arrays of
// objects indented below their label; arrays of scalars joined with ", ".
// The "name" key, if any, is the heading.
void render_record(std::ostream &out, const Json &obj, int indent = 0);

// A JSON scalar as text: strings as is, numbers, booleans as yes/no.
std::string scalar_text(const Json &v);

// Prints @p data as JSON if ctx.json, else calls @p text.
void emit(const Context &ctx, const Json &data, const std::function<void(std::ostream &)> &text);

} // namespace vportctl
