#include "weights/pickle.hpp"

#include <algorithm>
#include <cstring>

#include "xtalsieve/error.hpp"

namespace xtalsieve::pickle {

namespace {

constexpr std::size_t max_container = 1u << 26;  // refuses absurd lengths before allocating

// The arena of the document being loaded (one load at a time per thread).
thread_local std::deque<value>* current_arena = nullptr;

ref make(value::kind k) {
    XS_ASSERT(current_arena);
    if (current_arena->size() > max_container) throw error("pickle holds too many values");
    current_arena->emplace_back();
    ref v = &current_arena->back();
    v->k = k;
    return v;
}

// The globals found in CGCNN checkpoints written by PyTorch 0.3 ... 2.x.
const std::vector<std::string> allow = {
    "collections.OrderedDict",     "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter", "torch.FloatStorage",      "torch.DoubleStorage",
    "torch.HalfStorage",           "torch.LongStorage",            "torch.IntStorage",
    "torch.ShortStorage",          "torch.CharStorage",            "torch.ByteStorage",
    "torch.BoolStorage",           "torch.BFloat16Storage",        "argparse.Namespace",
    "numpy.core.multiarray.scalar", "numpy.dtype",                 "_codecs.encode",
    "builtins.set",                "__builtin__.set",              "torch.device",
};

std::string storage_dtype(const std::string& global) {
    static const std::pair<const char*, const char*> map[] = {
        {"torch.FloatStorage", "float"}, {"torch.DoubleStorage", "double"}, {"torch.HalfStorage", "half"},
        {"torch.LongStorage", "long"},   {"torch.IntStorage", "int"},       {"torch.ShortStorage", "short"},
        {"torch.CharStorage", "char"},   {"torch.ByteStorage", "byte"},     {"torch.BoolStorage", "bool"},
        {"torch.BFloat16Storage", "bfloat16"}};
    for (auto& [g, d] : map)
        if (global == g) return d;
    return {};
}

class machine {
public:
    machine(std::string_view d, std::size_t& pos, const std::string& what) : d_(d), pos_(pos), what_(what) {}

    ref run() {
        for (;;) {
            const std::uint8_t op = u8();
            switch (op) {
                case 0x80: u8(); break;                      // PROTO
                case 0x95: take(8); break;                   // FRAME
                case '.': {                                  // STOP
                    if (stack_.size() != 1) fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
                    return pop();
                }
                case '(': marks_.push_back(stack_.size()); break;  // MARK
                case 'N': push(make(value::kind::none)); break;
                case 0x88: push_bool(true); break;           // NEWTRUE
                case 0x89: push_bool(false); break;          // NEWFALSE
                case 'J': push_int(static_cast<std::int32_t>(le<std::uint32_t>())); break;  // BININT
                case 'K': push_int(u8()); break;             // BININT1
                case 'M': push_int(le<std::uint16_t>()); break;  // BININT2
                case 0x8a: {                                 // LONG1
                    const std::size_t n = u8();
                    const auto b = take(n);
                    if (n <= 8) {
                        push_int(little_signed(b));
                    } else {  // a big integer (the legacy magic number): keep its bytes
                        auto v = make(value::kind::integer);
                        v->s.assign(b);
                        push(v);
                    }
                    break;
                }
                case 0x8b: {                                 // LONG4
                    const std::size_t n = le<std::uint32_t>();
                    if (n > 8) fail("integer too large");
                    push_int(little_signed(take(n)));
                    break;
                }
                case 'G': {                                  // BINFLOAT (big-endian)
                    auto b = take(8);
                    std::uint64_t u = 0;
                    for (char c : b) u = (u << 8) | static_cast<std::uint8_t>(c);
                    double x;
                    std::memcpy(&x, &u, 8);
                    auto v = make(value::kind::real);
                    v->f = x;
                    push(v);
                    break;
                }
                case 'X': push_str(value::kind::string, take(le<std::uint32_t>())); break;   // BINUNICODE
                case 0x8c: push_str(value::kind::string, take(u8())); break;                 // SHORT_BINUNICODE
                case 0x8d: push_str(value::kind::string, take(len64())); break;              // BINUNICODE8
                case 'T': push_str(value::kind::string, take(le<std::uint32_t>())); break;   // BINSTRING
                case 'U': push_str(value::kind::string, take(u8())); break;                  // SHORT_BINSTRING
                case 'B': push_str(value::kind::bytes, take(le<std::uint32_t>())); break;    // BINBYTES
                case 'C': push_str(value::kind::bytes, take(u8())); break;                   // SHORT_BINBYTES
                case 0x8e: push_str(value::kind::bytes, take(len64())); break;               // BINBYTES8
                case ']': push(make(value::kind::list)); break;   // EMPTY_LIST
                case '}': push(make(value::kind::dict)); break;   // EMPTY_DICT
                case ')': push(make(value::kind::tuple)); break;  // EMPTY_TUPLE
                case 't': {                                  // TUPLE
                    auto v = make(value::kind::tuple);
                    v->items = pop_mark();
                    push(v);
                    break;
                }
                case 0x85: case 0x86: case 0x87: {           // TUPLE1..3
                    const std::size_t n = op - 0x84u;
                    need(n);
                    auto v = make(value::kind::tuple);
                    v->items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
                    stack_.resize(stack_.size() - n);
                    push(v);
                    break;
                }
                case 'l': {                                  // LIST
                    auto v = make(value::kind::list);
                    v->items = pop_mark();
                    push(v);
                    break;
                }
                case 'a': {                                  // APPEND
                    auto x = pop();
                    auto l = top();
                    if (l->k != value::kind::list) fail("APPEND to a non-list");
                    l->items.push_back(x);
                    break;
                }
                case 'e': {                                  // APPENDS
                    auto xs = pop_mark();
                    auto l = top();
                    if (l->k != value::kind::list) fail("APPENDS to a non-list");
                    l->items.insert(l->items.end(), xs.begin(), xs.end());
                    break;
                }
                case 's': {                                  // SETITEM
                    auto v = pop();
                    auto k = pop();
                    set_item(top(), k, v);
                    break;
                }
                case 'u': {                                  // SETITEMS
                    auto xs = pop_mark();
                    if (xs.size() % 2) fail("SETITEMS with an odd number of values");
                    auto d = top();
                    for (std::size_t i = 0; i < xs.size(); i += 2) set_item(d, xs[i], xs[i + 1]);
                    break;
                }
                case 'q': memo(u8()); break;                 // BINPUT
                case 'r': memo(le<std::uint32_t>()); break;  // LONG_BINPUT
                case 0x94: memo(memo_.size()); break;        // MEMOIZE
                case 'h': push(recall(u8())); break;         // BINGET
                case 'j': push(recall(le<std::uint32_t>())); break;  // LONG_BINGET
                case 'c': {                                  // GLOBAL "module\nname\n"
                    const std::string mod = line(), name = line();
                    push(global(mod + "." + name));
                    break;
                }
                case 0x93: {                                 // STACK_GLOBAL
                    auto name = pop(), mod = pop();
                    if (mod->k != value::kind::string || name->k != value::kind::string) fail("STACK_GLOBAL needs strings");
                    push(global(mod->s + "." + name->s));
                    break;
                }
                case 'R': {                                  // REDUCE
                    auto args = pop();
                    auto fn = pop();
                    push(call(fn, args));
                    break;
                }
                case 0x81: {                                 // NEWOBJ
                    auto args = pop();
                    auto cls = pop();
                    push(call(cls, args));
                    break;
                }
                case 'b': {                                  // BUILD
                    auto state = pop();
                    build(top(), state);
                    break;
                }
                case 'Q': {                                  // BINPERSID
                    auto pid = pop();
                    push(persistent(pid));
                    break;
                }
                case '0': pop(); break;                      // POP
                case '1': pop_mark(); break;                 // POP_MARK
                case '2': push(top()); break;                // DUP
                default: {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "0x%02x", op);
                    fail(std::string("unsupported pickle opcode ") + buf);
                }
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw error(what_ + ": invalid or unsupported checkpoint data at byte " + std::to_string(pos_) + ": " + why);
    }
    std::string_view take(std::size_t n) {
        if (n > d_.size() - pos_) fail("truncated (needs " + std::to_string(n) + " more bytes)");
        auto s = d_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
    template <class T>
    T le() {
        auto b = take(sizeof(T));
        T v = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<std::uint8_t>(b[i])) << (8 * i);
        return v;
    }
    std::size_t len64() {
        const auto n = le<std::uint64_t>();
        if (n > d_.size()) fail("length beyond the end of the file");
        return static_cast<std::size_t>(n);
    }
    static std::int64_t little_signed(std::string_view b) {
        if (b.empty()) return 0;
        if (b.size() > 8) throw error("integer too large");
        std::uint64_t u = 0;
        for (std::size_t i = 0; i < b.size(); ++i) u |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[i])) << (8 * i);
        if (b.size() < 8 && (static_cast<std::uint8_t>(b.back()) & 0x80)) u |= ~0ull << (8 * b.size());
        return static_cast<std::int64_t>(u);
    }
    std::string line() {
        const auto nl = d_.find('\n', pos_);
        if (nl == std::string_view::npos || nl - pos_ > 256) fail("bad GLOBAL name");
        std::string s(d_.substr(pos_, nl - pos_));
        pos_ = nl + 1;
        return s;
    }
    void push(ref v) {
        if (stack_.size() > max_container) fail("stack too deep");
        stack_.push_back(std::move(v));
    }
    void push_bool(bool b) {
        auto v = make(value::kind::boolean);
        v->i = b;
        push(v);
    }
    void push_int(std::int64_t x) {
        auto v = make(value::kind::integer);
        v->i = x;
        push(v);
    }
    void push_str(value::kind k, std::string_view s) {
        auto v = make(k);
        v->s.assign(s);
        push(v);
    }
    void need(std::size_t n) const {
        if (stack_.size() < n + (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    }
    ref pop() {
        need(1);
        auto v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    ref top() {
        need(1);
        return stack_.back();
    }
    std::vector<ref> pop_mark() {
        if (marks_.empty()) fail("MARK missing");
        const std::size_t m = marks_.back();
        marks_.pop_back();
        if (m > stack_.size()) fail("MARK beyond the stack");
        std::vector<ref> out(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return out;
    }
    void memo(std::size_t k) {
        if (k > max_container) fail("memo index too large");
        if (memo_.size() <= k) memo_.resize(k + 1);
        memo_[k] = top();
    }
    ref recall(std::size_t k) {
        if (k >= memo_.size() || !memo_[k]) fail("memo index " + std::to_string(k) + " not set");
        return memo_[k];
    }
    void set_item(const ref& d, const ref& k, const ref& v) {
        if (d->k == value::kind::dict) d->entries.emplace_back(k, v);
        else if (d->k == value::kind::object) d->entries.emplace_back(k, v);
        else fail("SETITEM on a non-dict");
    }
    ref global(const std::string& name) {
        if (std::find(allow.begin(), allow.end(), name) == allow.end())
            throw error(what_ + ": checkpoint refers to global '" + name +
                        "', which is not allowed (xtalsieve never executes code from a checkpoint)");
        auto v = make(value::kind::global);
        v->s = name;
        return v;
    }
    std::int64_t as_int(const ref& v, const char* what) const {
        if (v->k != value::kind::integer && v->k != value::kind::boolean) fail(std::string(what) + " is not an integer");
        return v->i;
    }
    std::vector<std::int64_t> int_tuple(const ref& v, const char* what) const {
        if (v->k != value::kind::tuple && v->k != value::kind::list) fail(std::string(what) + " is not a tuple");
        std::vector<std::int64_t> out;
        for (auto& x : v->items) out.push_back(as_int(x, what));
        return out;
    }
    ref call(const ref& fn, const ref& args) {
        if (fn->k != value::kind::global) fail("call of a non-global");
        if (args->k != value::kind::tuple) fail("call arguments are not a tuple");
        const std::string& g = fn->s;
        const auto& a = args->items;
        if (g == "collections.OrderedDict" || g == "builtins.set" || g == "__builtin__.set") {
            auto d = make(g == "collections.OrderedDict" ? value::kind::dict : value::kind::list);
            if (!a.empty() && (a[0]->k == value::kind::list || a[0]->k == value::kind::tuple)) {
                for (auto& kv : a[0]->items) {
                    if (d->k == value::kind::list) d->items.push_back(kv);
                    else if (kv->items.size() == 2) d->entries.emplace_back(kv->items[0], kv->items[1]);
                }
            }
            return d;
        }
        if (g == "torch._utils._rebuild_tensor" || g == "torch._utils._rebuild_tensor_v2") {
            if (a.size() < 4 || a[0]->k != value::kind::storage) fail("bad tensor record");
            auto t = make(value::kind::tensor);
            t->storage = a[0];
            t->offset = as_int(a[1], "tensor offset");
            t->sizes = int_tuple(a[2], "tensor size");
            t->strides = int_tuple(a[3], "tensor stride");
            if (t->sizes.size() != t->strides.size() || t->sizes.size() > 8) fail("tensor rank mismatch");
            return t;
        }
        if (g == "torch._utils._rebuild_parameter") {
            if (a.empty()) fail("bad parameter record");
            return a[0];
        }
        if (g == "_codecs.encode") {
            // Python 2 byte strings pickled by Python 3: each code point < 256 is one byte.
            if (a.empty() || a[0]->k != value::kind::string) fail("bad _codecs.encode record");
            auto b = make(value::kind::bytes);
            const std::string& u = a[0]->s;  // UTF-8
            for (std::size_t i = 0; i < u.size(); ++i) {
                const auto c = static_cast<unsigned char>(u[i]);
                if (c < 0x80) b->s += static_cast<char>(c);
                else if ((c & 0xe0) == 0xc0 && i + 1 < u.size()) {
                    b->s += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(u[i + 1]) & 0x3f));
                    ++i;
                } else fail("_codecs.encode of a character beyond latin-1");
            }
            return b;
        }
        if (g == "numpy.dtype") {
            if (a.empty() || a[0]->k != value::kind::string) fail("bad numpy dtype");
            auto o = make(value::kind::object);
            o->s = "numpy.dtype";
            o->dtype = a[0]->s;
            return o;
        }
        if (g == "numpy.core.multiarray.scalar") {
            if (a.size() < 2 || a[0]->k != value::kind::object || a[1]->k != value::kind::bytes) fail("bad numpy scalar");
            const std::string& dt = a[0]->dtype;
            const std::string& b = a[1]->s;
            auto r = make(value::kind::real);
            if (dt == "f8" && b.size() == 8) std::memcpy(&r->f, b.data(), 8);
            else if (dt == "f4" && b.size() == 4) {
                float x;
                std::memcpy(&x, b.data(), 4);
                r->f = x;
            } else if (dt == "i8" && b.size() == 8) {
                std::int64_t x;
                std::memcpy(&x, b.data(), 8);
                r->k = value::kind::integer;
                r->i = x;
            } else {
                fail("numpy scalar of dtype '" + dt + "' is not supported");
            }
            return r;
        }
        if (g == "argparse.Namespace" || g == "torch.device") {
            auto o = make(value::kind::object);
            o->s = g;
            o->items = a;
            return o;
        }
        fail("global '" + g + "' cannot be called");
    }
    void build(const ref& obj, const ref& state) {
        if (obj->k == value::kind::object) {
            if (state->k == value::kind::dict)
                obj->entries.insert(obj->entries.end(), state->entries.begin(), state->entries.end());
            return;  // numpy.dtype state tuple: nothing we need
        }
        if (obj->k == value::kind::tensor || obj->k == value::kind::dict) return;
        fail("BUILD on an unsupported value");
    }
    ref persistent(const ref& pid) {
        if (pid->k != value::kind::tuple || pid->items.size() < 5 || pid->items[0]->k != value::kind::string ||
            pid->items[0]->s != "storage")
            fail("unsupported persistent id");
        const auto& it = pid->items;
        if (it[1]->k != value::kind::global) fail("storage type is not a global");
        auto st = make(value::kind::storage);
        st->dtype = storage_dtype(it[1]->s);
        if (st->dtype.empty()) fail("unknown storage type " + it[1]->s);
        if (it[2]->k != value::kind::string) fail("storage key is not a string");
        st->s = it[2]->s;
        st->numel = as_int(it[4], "storage size");
        return st;
    }

    std::string_view d_;
    std::size_t& pos_;
    const std::string& what_;
    std::vector<ref> stack_, memo_;
    std::vector<std::size_t> marks_;
};

}  // namespace

const value* value::get(std::string_view key) const {
    for (const auto& [k, v] : entries)
        if (k && k->k == kind::string && k->s == key) return v;
    return nullptr;
}

document load(std::string_view data, std::size_t& pos, const std::string& what) {
    if (pos >= data.size()) throw error(what + ": truncated checkpoint (no more data)");
    document doc;
    doc.arena = std::make_shared<std::deque<value>>();
    struct scope {
        explicit scope(std::deque<value>* a) { current_arena = a; }
        ~scope() { current_arena = nullptr; }
    } guard(doc.arena.get());
    machine m(data, pos, what);
    doc.root = m.run();
    return doc;
}

const std::vector<std::string>& allowed_globals() { return allow; }

}  // namespace xtalsieve::pickle
