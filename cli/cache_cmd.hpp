// gotramp cache info|clean: what the cache folder holds, by part and entry, and
// removing parts of it. The layout, sizes and removal are toolchain/cache_store's;
// this file arranges and prints.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "toolchain/cache_store.hpp"

namespace gotramp::cli {

struct CacheArgs {
  std::string cache;                                   // --cache DIR (default: toolchain::default_cache())
  bool json = false;                                   // info --json
  bool probes = false, go_build = false, all = false;  // clean
};

struct CacheCommand {
  CLI::App* cmd = nullptr;
  CLI::App* info = nullptr;
  CLI::App* clean = nullptr;
};
CacheCommand add_cache_command(CLI::App& app, CacheArgs& a);
int run_cache(const CacheCommand& c, const CacheArgs& a);

std::string format_cache_info(const toolchain::CacheInfo& info);
nlohmann::ordered_json cache_info_json(const toolchain::CacheInfo& info);

}  // namespace gotramp::cli
