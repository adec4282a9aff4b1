// SPDX-License-Identifier: GPL-2.0-or-later
#include "output.hpp"

#include <algorithm>
#include <iostream>
#include <map>

namespace vportctl {

namespace {

// Labels for keys whose plain spelling reads badly; others get '_' -> ' '.
std::string label_of(const std::string &key)
{
	static const std::map<std::string, std::string> labels = {
		{"wwpn", "WWPN"},
		{"wwnn", "WWNN"},
		{"permanent_wwpn", "permanent WWPN"},
		{"port_id", "port ID"},
		{"pci_address", "PCI address"},
		{"pci_id", "PCI ID"},
		{"fcoe", "FCoE"},
		{"fcfs", "FCFs"},
		{"mac", "MAC"},
		{"vlan_id", "VLAN ID"},
		{"naa", "NAA"},
		{"naa_type", "NAA type"},
		{"oui", "OUI"},
		{"host", "SCSI host"},
		{"netdev", "network interface"},
		{"vports_in_use", "vports in use"},
		{"max_vports", "max vports"},
	};
	if (auto it = labels.find(key); it != labels.end())
		return it->second;
	std::string s = key;
	std::replace(s.begin(), s.end(), '_', ' ');
	return s;
}

bool is_object_array(const Json &v)
{
	return v.is_array() && !v.empty() && v.front().is_object();
}

} // namespace

std::string scalar_text(const Json &v)
{
	if (v.is_string())
		return v.get<std::string>();
	if (v.is_boolean())
		return v.get<bool>() ? "yes" : "no";
	if (v.is_null())
		return "-";
	if (v.is_array()) {
		std::string s;
		for (const auto &e : v) {
			if (!s.empty())
				s += ", ";
			s += scalar_text(e);
		}
		return s.empty() ? "none" : s;
	}
	return v.dump();
}

Column key_column(std::string header, std::string key)
{
	return Column{std::move(header), [key = std::move(key)](const Json &row) {
			      auto it = row.find(key);
			      return it == row.end() ? std::string("-") : scalar_text(*it);
		      }};
}

Column lun_ids_column()
{
	return Column{"IDS", [](const Json &l) {
			      std::string s;
			      for (const auto &d : l["ids"])
				      s += (s.empty() ? "" : " ") + d.get<std::string>();
			      if (l.contains("error"))
				      s += (s.empty() ? "" : " ") + ("error: " + l["error"].get<std::string>());
			      return s.empty() ? std::string("-") : s;
		      }};
}

void render_table(std::ostream &out, const Json &rows, const std::vector<Column> &columns)
{
	std::vector<std::vector<std::string>> cells;
	std::vector<std::size_t> width;
	for (const auto &c : columns)
		width.push_back(c.header.size());
	for (const auto &row : rows) {
		std::vector<std::string> line;
		for (std::size_t i = 0; i < columns.size(); i++) {
			line.push_back(columns[i].cell(row));
			width[i] = std::max(width[i], line.back().size());
		}
		cells.push_back(std::move(line));
	}
	auto print = [&](const std::vector<std::string> &line) {
		std::string s;
		for (std::size_t i = 0; i < line.size(); i++) {
			s += line[i];
			if (i + 1 < line.size())
				s += std::string(width[i] - line[i].size() + 2, ' ');
		}
		out << s << '\n';
	};
	std::vector<std::string> header;
	for (const auto &c : columns)
		header.push_back(c.header);
	print(header);
	for (const auto &line : cells)
		print(line);
}

void render_record(std::ostream &out, const Json &obj, int indent)
{
	std::string pad(static_cast<std::size_t>(indent), ' ');
	std::size_t w = 0;
	for (const auto &[k, v] : obj.items())
		if (k != "name" && !v.is_object() && !is_object_array(v))
			w = std::max(w, label_of(k).size());
	int inner = indent;
	if (auto it = obj.find("name"); it != obj.end()) {
		out << pad << scalar_text(*it) << '\n';
		inner = indent + 4;
	}
	std::string ipad(static_cast<std::size_t>(inner), ' ');
	// Plain values first, then the nested blocks, so that every value line
	// sits right below the heading it belongs to.
	for (const auto &[k, v] : obj.items()) {
		if (k == "name" || v.is_object() || is_object_array(v))
			continue;
		std::string l = label_of(k);
		out << ipad << l << std::string(w - l.size() + 2, ' ') << scalar_text(v) << '\n';
	}
	for (const auto &[k, v] : obj.items()) {
		if (v.is_object()) {
			out << ipad << label_of(k) << ":\n";
			render_record(out, v, inner + 4);
		} else if (is_object_array(v)) {
			out << ipad << label_of(k) << ":\n";
			for (const auto &e : v)
				render_record(out, e, inner + 4);
		}
	}
}

void emit(const Context &ctx, const Json &data, const std::function<void(std::ostream &)> &text)
{
	if (ctx.json)
		std::cout << data.dump(ctx.pretty ? 2 : -1) << '\n';
	else
		text(std::cout);
	std::cout.flush();
}

} // namespace vportctl
