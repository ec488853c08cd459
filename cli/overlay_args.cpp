#include "cli/overlay_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cli/exit_code.hpp"
#include "cli/run_args.hpp"
#include "cli/suggest.hpp"

namespace gotramp::cli {

namespace fs = std::filesystem;

void add_overlay_option(CLI::App* c, std::vector<std::string>& overlays) {
  c->add_option("--overlay", overlays,
                "with --go: PATH=FILE builds the probe with FILE in place of the GOROOT's file PATH, relative to "
                "GOROOT/src (runtime/asm_riscv64.s=my_asm_riscv64.s), as go build -overlay does; repeatable; "
                "no copy of the GOROOT is made")
      ->take_all()
      ->allow_extra_args(false);
}

void require_go_for_overlays(const std::vector<std::string>& overlays, const std::string& go) {
  if (!overlays.empty() && go.empty())
    throw BadInput(fmt::format(
        "--overlay {} needs --go: it replaces a file of a real toolchain's GOROOT (--go bundled, --go system or "
        "--go GOROOT)",
        overlays.front()));
}

namespace {

// PATH's files' neighbours, "runtime/asm_arm64.s" and so on, for a did-you-mean.
std::vector<std::string> neighbours(const fs::path& src, const fs::path& rel) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(src / rel.parent_path(), ec))
    if (e.is_regular_file(ec)) out.push_back((rel.parent_path() / e.path().filename()).generic_string());
  return out;
}

// PATH below GOROOT/src, normalised; BadInput when it is no file there.
std::string goroot_file(const std::string& arg, const std::string& path, const toolchain::GoToolchain& tc) {
  const fs::path rel = fs::path(path).lexically_normal();
  bool up = false;
  for (const auto& part : rel) up = up || part == "..";
  if (rel.empty() || rel.is_absolute() || up)
    throw BadInput(fmt::format("--overlay {}: {} is not a path below GOROOT/src (runtime/asm_arm64.s)", arg, path));
  const fs::path src = tc.goroot / "src";
  std::error_code ec;
  if (fs::is_regular_file(src / rel, ec)) return rel.generic_string();
  std::string hint = did_you_mean(rel.generic_string(), neighbours(src, rel));
  // "src/runtime/x.s" is a path below GOROOT, one level too high.
  if (fs::is_regular_file(tc.goroot / rel, ec) && *rel.begin() == "src")
    hint = fmt::format(" (did you mean '{}'? PATH is relative to GOROOT/src)",
                       rel.lexically_relative("src").generic_string());
  throw BadInput(
      fmt::format("--overlay {}: GOROOT {} has no file src/{}{}", arg, tc.goroot.string(), rel.generic_string(), hint));
}

}  // namespace

std::vector<toolchain::SourceOverlay> parse_overlays(const std::vector<std::string>& args,
                                                     const toolchain::GoToolchain& tc) {
  std::vector<toolchain::SourceOverlay> out;
  std::set<std::string> seen;
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
      throw BadInput(
          fmt::format("--overlay {}: expected PATH=FILE, PATH relative to GOROOT/src (runtime/asm_arm64.s=FILE)", arg));
    toolchain::SourceOverlay o{goroot_file(arg, arg.substr(0, eq), tc), fs::absolute(arg.substr(eq + 1))};
    if (!seen.insert(o.path).second) throw BadInput(fmt::format("--overlay {}: {} is replaced twice", arg, o.path));
    try {
      require_readable(o.file.string());
    } catch (const BadInput& e) {
      throw BadInput(fmt::format("--overlay {}: {}", arg, e.what()));
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> overlay_record(const std::vector<toolchain::SourceOverlay>& overlays,
                                                                const toolchain::GoToolchain& tc) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : overlays) out.emplace_back((tc.goroot / "src" / o.path).string(), o.file.string());
  return out;
}

}  // namespace gotramp::cli
