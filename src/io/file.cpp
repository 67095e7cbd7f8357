#include "carta/io/file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <system_error>
#include <unistd.h>

#include "carta/error.hpp"

namespace carta::io {

namespace fs = std::filesystem;

namespace {

// A device, FIFO or socket: written in place, never replaced.
bool is_special(const fs::file_status& st) {
  return st.type() == fs::file_type::character || st.type() == fs::file_type::block ||
         st.type() == fs::file_type::fifo || st.type() == fs::file_type::socket;
}

}  // namespace

bool is_device_or_fifo(const std::filesystem::path& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  return !ec && is_special(st);
}

namespace {

// Two names of one file: equivalent() for files that exist, the normal absolute path otherwise.
bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    const bool eq = fs::equivalent(a, b, ec);
    if (!ec) return eq;
  }
  return fs::weakly_canonical(fs::absolute(a), ec) == fs::weakly_canonical(fs::absolute(b), ec);
}

// Temporaries ".NAME.tmpPID" of `target` left by runs that were killed before their rename: a
// process that no longer exists cannot finish them. A live process's (or another user's) file
// is left alone.
void remove_stale_temporaries(const fs::path& target) {
  std::error_code ec;
  const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = fmt::format(".{}.tmp", target.filename().string());
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || !name.starts_with(prefix)) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(digits);
    if (pid <= 0 || pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    if (fs::is_regular_file(fs::symlink_status(it->path(), ignored))) fs::remove(it->path(), ignored);
  }
}

}  // namespace

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)), target_(path_) {
  std::error_code ec;
  // A symbolic link (or a chain of them) is followed: its target is the file to replace.
  if (fs::is_symlink(fs::symlink_status(path_, ec))) {
    const fs::path resolved = fs::weakly_canonical(path_, ec);
    if (!ec) target_ = resolved;
  }
  const fs::file_status st = fs::status(target_, ec);
  if (st.type() == fs::file_type::directory) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: is a folder; give a file name for this output", path_.string()));
  }
  if (is_special(st)) {
    stream_.open(target_, std::ios::binary);  // /dev/stdout, /dev/null, a pipe: written directly
  } else {
    remove_stale_temporaries(target_);
    temporary_ = target_.parent_path() / fmt::format(".{}.tmp{}", target_.filename().string(), ::getpid());
    stream_.open(temporary_, std::ios::binary | std::ios::trunc);
  }
  if (!stream_) {
    throw Error(ErrorCategory::kIo,
                fmt::format("{}: cannot write here (does the folder exist and is it writable?)", path_.string()));
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    stream_.close();
    if (!temporary_.empty()) {
      std::error_code ignored;
      fs::remove(temporary_, ignored);
    }
  }
}

void AtomicFile::commit() {
  stream_.flush();
  const bool written = static_cast<bool>(stream_);
  stream_.close();
  if (!written || stream_.fail()) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: write failed (disk full, or the reader closed it?)", path_.string()));
  }
  if (!temporary_.empty()) {
    std::error_code ec;
    fs::rename(temporary_, target_, ec);
    if (ec) {
      throw Error(ErrorCategory::kIo,
                  fmt::format("{}: cannot move the output into place: {}", path_.string(), ec.message()));
    }
  }
  committed_ = true;
}

void create_output_folder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot create the output folder: {}", folder.string(), ec.message()));
  }
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  AtomicFile file(path);
  file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  file.commit();
}

void check_run_paths(const std::vector<RunPath>& inputs, const std::vector<RunPath>& outputs) {
  std::vector<const RunPath*> checked;
  for (const auto& out : outputs) {
    if (out.path.empty()) continue;
    std::error_code ec;
    if (is_special(fs::status(out.path, ec))) continue;
    for (const auto& in : inputs) {
      if (!in.path.empty() && same_file(in.path, out.path)) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("{} {} is also an input of this run ({} {}); writing it would destroy the input, so "
                                "give the output another name",
                                out.option, out.path.string(), in.option, in.path.string()));
      }
    }
    for (const auto* other : checked) {
      if (same_file(other->path, out.path)) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("{} {} and {} {} are the same file; give each output its own name", other->option,
                                other->path.string(), out.option, out.path.string()));
      }
    }
    checked.push_back(&out);
  }
}

}  // namespace carta::io
