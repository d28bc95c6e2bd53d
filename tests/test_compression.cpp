// Every compression filter the readers promise (.gz .bz2 .xz .zst), each as a
// single compressed file and as a compressed tar, written here with
// libarchive from the shared sample CIFs and predicted like the CIF path.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "test_support.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;
namespace fs = std::filesystem;

namespace {

struct filter {
    const char* ext;
    int (*add)(struct archive*);
};

const filter filters[] = {{".gz", archive_write_add_filter_gzip},
                          {".bz2", archive_write_add_filter_bzip2},
                          {".xz", archive_write_add_filter_xz},
                          {".zst", archive_write_add_filter_zstd}};

// Writes `members` (name -> bytes) as a tar, or as one raw compressed file.
void write_archive(const fs::path& out, const filter& f, const std::map<std::string, std::string>& members, bool tar) {
    struct archive* a = archive_write_new();
    ASSERT_EQ(f.add(a), ARCHIVE_OK) << archive_error_string(a);
    ASSERT_EQ(tar ? archive_write_set_format_pax_restricted(a) : archive_write_set_format_raw(a), ARCHIVE_OK);
    ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK) << archive_error_string(a);
    for (const auto& [name, bytes] : members) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
        ASSERT_EQ(archive_write_data(a, bytes.data(), bytes.size()), static_cast<la_ssize_t>(bytes.size()));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

}  // namespace

TEST(GoldenReaders, EveryCompressionFilterAsAFileAndAsATar) {
    const fs::path samples = xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression";
    const auto ref = xs_test::read_table(xs_test::shared_dir() / "data" / "cgcnn" / "reference" / "sample-regression.csv");
    std::map<std::string, std::string> cifs;
    for (const auto& e : fs::directory_iterator(samples))
        if (e.path().extension() == ".cif" && cifs.size() < 10) cifs[e.path().filename().string()] = xs_test::slurp(e.path());
    ASSERT_EQ(cifs.size(), 10u);

    const fs::path dir = fs::temp_directory_path() / ("xtalsieve-compression-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const filter& f : filters) {
        write_archive(dir / (std::string("all.tar") + f.ext), f, cifs, true);
        write_archive(dir / (cifs.begin()->first + f.ext), f, {*cifs.begin()}, false);
    }

    std::vector<model_weights> w;
    w.push_back(load_weights(xs_test::pretrained_dir() / "band-gap.pth.tar"));
    predictor pred(std::move(w));
    auto in = open_input(dir);
    std::map<std::string, int> per_file;
    pred.run(*in, [&](const prediction& p) {
        ASSERT_TRUE(p.error.empty()) << p.source << ": " << p.error;
        // Every archive holds the same files: later copies are renamed id#2, ...
        const std::string id = p.id.substr(0, p.id.find('#'));
        ASSERT_EQ(ref.rows.count(id), 1u) << p.id << " from " << p.source;
        EXPECT_EQ(p.warnings.size(), id == p.id ? 0u : 1u) << p.id;
        EXPECT_NEAR(p.values[0], ref.num(id, "band-gap"), 1e-4) << p.id << " from " << p.source;
        ++per_file[fs::path(p.source.substr(0, p.source.find('!'))).filename().string()];
    });
    for (const filter& f : filters) {
        EXPECT_EQ(per_file[std::string("all.tar") + f.ext], 10) << f.ext;
        EXPECT_EQ(per_file[cifs.begin()->first + f.ext], 1) << f.ext;
    }
    fs::remove_all(dir);
}
