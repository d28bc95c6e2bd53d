// Records of a pymatgen JSON document or JSON-lines text (private to io/).
#pragma once
#include <memory>
#include <string>

#include "xtalsieve/input.hpp"

namespace xtalsieve::io {

// Each record's text is one structure's JSON (format "pymatgen-json"); ids from
// material_id / entry_id / data.material_id, else "<stem>:<record number>".
// A document that is not JSON yields one record with its error.
std::unique_ptr<record_reader> make_json_reader(std::string source, std::string stem, std::string text, bool lines);

}  // namespace xtalsieve::io
