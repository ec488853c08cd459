#include "cli/run_args.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "cli/exit_code.hpp"
#include "cli/overlay_args.hpp"
#include "cli/suggest.hpp"
#include "cli/verify_cmd.hpp"
#include "runtime_model/contract.hpp"
#include "runtime_model/scenario.hpp"
#include "runtime_model/suite.hpp"
#include "toolchain/cache_store.hpp"

namespace gotramp::cli {

namespace fs = std::filesystem;

void add_common_options(CLI::App* c, CommonArgs& a) {
  c->add_option("--cache", a.cache,
                "where gotramp caches what it builds: guest ELFs for --asm, and with --go the probes and Go's build "
                "cache for them (default: $GOTRAMP_CACHE, else $XDG_CACHE_HOME/gotramp, else ~/.cache/gotramp)");
}

void add_cache_cap_option(CLI::App* c, CommonArgs& a) {
  a.capped = true;
  c->add_option("--cache-cap", a.cache_cap,
                fmt::format("after a build, when the cache holds more than SIZE, remove the least recently used "
                            "probes, then Go's build caches, never what this run uses; SIZE is {} (default: "
                            "$GOTRAMP_CACHE_CAP, else {})",
                            toolchain::kSizeForms, toolchain::human_size(toolchain::kDefaultCacheCap)))
      ->type_name("SIZE")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (toolchain::parse_size(text)) return "";
            return fmt::format("'{}' is not valid: --cache-cap is {}", text, toolchain::kSizeForms);
          },
          "SIZE"));
}

uint64_t cache_cap(const CommonArgs& a) {
  if (!a.capped) return 0;
  if (!a.cache_cap.empty()) {
    if (auto v = toolchain::parse_size(a.cache_cap)) return *v;
    throw BadInput(fmt::format("--cache-cap '{}' is not valid: it is {}", a.cache_cap, toolchain::kSizeForms));
  }
  if (const char* env = std::getenv("GOTRAMP_CACHE_CAP"); env && *env) {
    if (auto v = toolchain::parse_size(env)) return *v;
    throw BadInput(fmt::format("GOTRAMP_CACHE_CAP='{}' is not valid: it is {}", env, toolchain::kSizeForms));
  }
  return toolchain::kDefaultCacheCap;
}

void add_strict_option(CLI::App* c, bool& strict) {
  c->add_flag("--strict", strict,
              "a run whose failures are all known upstream runtime bugs (verdict known) fails too: exit 1, not 0");
}

toolchain::GuestBuildConfig config(const CommonArgs& a) {
  auto cfg = toolchain::GuestBuildConfig::defaults();
  if (!a.cache.empty()) cfg.cache = a.cache;
  cfg.cache_cap = cache_cap(a);
  const bool chosen = !a.cache.empty() || std::getenv("GOTRAMP_CACHE");
  if (chosen) {
    std::error_code ec;
    fs::create_directories(cfg.cache, ec);
    if (ec) throw BadInput(fmt::format("cannot use {} as the guest cache: {}", cfg.cache.string(), ec.message()));
  }
  return cfg;
}

// A whole number of at least `lo`; the message says what the option means when not.
CLI::Validator at_least(long lo, std::string meaning) {
  return CLI::Validator(
      [lo, meaning](std::string& text) -> std::string {
        long v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v < lo)
          return fmt::format("'{}' is not valid: {} is a whole number, {} or more", text, meaning, lo);
        return "";
      },
      fmt::format("INT>={}", lo));
}

// A file the user named, before any work: errno's reason when it cannot be read.
void require_readable(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw BadInput(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  if (fs::is_directory(path)) throw BadInput(fmt::format("cannot read {}: Is a directory", path));
}

// A trampoline the user gave (--asm) must define what the harness calls.
void check_asm(const std::string& path) {
  require_readable(path);
  try {
    toolchain::check_trampoline(path);
  } catch (const toolchain::GuestBuildError& e) {
    throw BadInput(e.what());
  }
}

void add_run_options(CLI::App* c, RunArgs& a) {
  c->add_option("--goarch", a.goarch, "GOARCH (" + emu::arch_names() + "); with --asm, from the file name");
  c->add_option("--contract", a.contract,
                "contract (" + model::contract_names(false) + "); default seed, modern with --go");
  c->add_option("--trampoline", a.trampoline,
                "the trampoline under test (" + model::trampoline_names() + "); default morestack");
  c->add_option("--scenario", a.scenario,
                "the trampoline's scenario (morestack: " + model::scenario_names() + "); default closure");
  c->add_option("--asm", a.asm_file, "your own trampoline instead of the contract's");
  c->add_option("--go", a.go,
                "a real Go toolchain's own runtime instead of the transcriptions: bundled, system or a GOROOT");
  add_overlay_option(c, a.overlays);
  add_strict_option(c, a.strict);
  add_common_options(c, a.common);
  add_cache_cap_option(c, a.common);
}

Inspection inspection(RunArgs a, const char* command) {
  if (!a.asm_file.empty() && !a.go.empty())
    throw BadInput(
        "--asm and --go exclude each other: --asm checks your trampoline in a Go 1.8 harness, --go a "
        "toolchain's own runtime");
  require_go_for_overlays(a.overlays, a.go);
  if (a.contract.empty()) a.contract = a.go.empty() ? "seed" : "modern";
  if (!a.asm_file.empty()) check_asm(a.asm_file);
  if (a.goarch.empty() && !a.asm_file.empty()) {
    auto archs = archs_for_trampoline(a.asm_file);
    if (archs.size() == 1) a.goarch = archs[0]->goarch;
    if (archs.size() > 1) {
      std::string names;
      for (const auto* spec : archs) names += (names.empty() ? "" : ", ") + spec->goarch;
      throw BadInput(fmt::format("{} needs --goarch: the name of {} fits several GOARCHes ({}) and {} looks at one run",
                                 command, a.asm_file, names, command));
    }
  }
  if (a.goarch.empty()) throw BadInput(fmt::format("{} needs --goarch (one of {})", command, emu::arch_names()));
  const model::Trampoline* trampoline = model::find_trampoline(a.trampoline);
  if (!trampoline)
    throw BadInput(fmt::format("unknown trampoline '{}'{}; valid: {}", a.trampoline,
                               did_you_mean(a.trampoline, model::trampolines(), &model::Trampoline::name),
                               model::trampoline_names()));
  if (trampoline->real_only && a.go.empty()) throw BadInput(needs_real_toolchain(*trampoline));
  Inspection w;
  w.spec = emu::find_arch(a.goarch);
  w.contract = model::find_contract(a.contract);
  w.scenario = model::find_scenario(a.scenario, trampoline->name);
  if (const emu::Unemulated* u = emu::find_unemulated(a.goarch)) throw BadInput(std::string(u->why));
  if (!w.spec) {
    throw BadInput(fmt::format("unknown GOARCH '{}'{}; valid: {}", a.goarch,
                               did_you_mean(a.goarch, emu::arch_table(), &emu::ArchSpec::goarch), emu::arch_names()));
  }
  if (a.go.empty() && !w.spec->transcribed()) throw BadInput(no_transcription(*w.spec));
  if (!w.contract && !model::contract_group(a.contract).empty())
    throw BadInput(fmt::format(
        "--contract {} is not valid for {}: '{}' names several contracts, which verify runs and compares; {} looks "
        "at one run: choose one of {}",
        a.contract, command, a.contract, command, model::contract_names(false)));
  if (!w.contract) {
    throw BadInput(fmt::format("unknown contract '{}'{}; valid: {}", a.contract,
                               did_you_mean(a.contract, model::contracts(), &model::Contract::name),
                               model::contract_names(false)));
  }
  if (!w.scenario) {
    throw BadInput(fmt::format("unknown scenario '{}'{} of the {} trampoline; {} looks at one run: choose one of {}",
                               a.scenario, did_you_mean(a.scenario, trampoline->scenarios(), &model::Scenario::name),
                               trampoline->name, command, model::scenario_names(trampoline->name)));
  }
  if (a.go.empty())
    if (std::string why = needs_probe(*w.scenario); !why.empty()) throw BadInput(why);
  if (std::string why = model::world_unavailable(w.scenario->world, *w.spec); !why.empty())
    throw BadInput(fmt::format("scenario {}: {}", w.scenario->name, why));
  if (!a.asm_file.empty()) {
    check_name_constraint(a.asm_file, *w.spec);
    w.asm_file = a.asm_file;
  }
  if (!a.go.empty()) {
    if (w.contract->name != "modern")
      throw BadInput(
          fmt::format("--contract {} with --go: every real toolchain (Go 1.10 and later) keeps the modern "
                      "contract; {} is for the guest_asm transcriptions (drop --go)",
                      a.contract, a.contract));
    use_real_toolchain(w, a.go, a.common, a.overlays);
  } else if (!w.contract->transcribed()) {
    throw BadInput(
        fmt::format("the {} contract has no guest_asm transcription: it is the one real toolchains keep; "
                    "add --go bundled, --go system or --go GOROOT",
                    w.contract->name));
  }
  return w;
}

void use_real_toolchain(Inspection& w, const std::string& go, const CommonArgs& common,
                        const std::vector<std::string>& overlays) {
  std::string err;
  if (!parse_real_archs({w.spec->goarch}, err)) throw BadInput(err);
  const toolchain::GoToolchain tc = toolchain::resolve_toolchain(go);
  auto cfg = toolchain::ProbeBuildConfig::defaults();
  cfg.overlays = parse_overlays(overlays, tc);
  if (!common.cache.empty()) cfg.cache = config(common).cache;
  cfg.cache_cap = cache_cap(common);
  w.probe = toolchain::probe_elf(tc, w.spec->goarch, cfg);
  w.toolchain = tc.version;
  w.goroot = tc.goroot;
}

}  // namespace gotramp::cli
