// A restricted unpickler: a pickle VM (protocols 2-5) that builds a value tree
// and executes nothing. GLOBAL / STACK_GLOBAL may name only the allow-listed
// callables below, each interpreted by C++ code; any other name is an error
// naming it. Private to weights/.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace xtalsieve::pickle {

struct value;
// Values link to each other by plain pointers into their document's arena:
// a pickle may build cycles (a dict holding itself), which reference counting
// would leak.
using ref = value*;

struct value {
    enum class kind { none, boolean, integer, real, string, bytes, tuple, list, dict, global, object, storage, tensor };
    kind k = kind::none;
    std::int64_t i = 0;          // boolean, integer
    double f = 0;                // real
    std::string s;               // string, bytes, global "module.name", object class, storage key
    std::vector<ref> items;      // tuple, list; object: constructor args
    std::vector<std::pair<ref, ref>> entries;  // dict; object: attribute state
    // storage: dtype name ("float", "double", "long", "int", "half"...), element count
    std::string dtype;
    std::int64_t numel = 0;
    // tensor: storage reference, offset, sizes, strides (in elements)
    ref storage;
    std::int64_t offset = 0;
    std::vector<std::int64_t> sizes, strides;

    const value* get(std::string_view key) const;  // dict lookup by string key; nullptr if absent
};

// One unpickled value tree and the arena that owns all its values.
struct document {
    std::shared_ptr<std::deque<value>> arena;
    value* root = nullptr;
    value* operator->() const { return root; }
    value& operator*() const { return *root; }
    value* get() const { return root; }
};

// Unpickles one pickle starting at data[pos]; advances pos past its STOP.
// `what` names the file in errors. Persistent ids ('storage', type, key, ...)
// become storage values.
document load(std::string_view data, std::size_t& pos, const std::string& what);

// The allow-list, for documentation and tests.
const std::vector<std::string>& allowed_globals();

}  // namespace xtalsieve::pickle
