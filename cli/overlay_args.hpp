// --overlay PATH=FILE (repeatable, with --go): one file of the toolchain's GOROOT
// replaced by a porter's edited copy for the probe's build (go build -overlay), so a
// one-file change is verified without copying the GOROOT.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "toolchain/go_toolchain.hpp"
#include "toolchain/probe_build.hpp"

namespace gotramp::cli {

void add_overlay_option(CLI::App* c, std::vector<std::string>& overlays);
// BadInput when overlays are given without --go (they replace a real GOROOT's files).
void require_go_for_overlays(const std::vector<std::string>& overlays, const std::string& go);
// The overlays checked against tc's GOROOT: PATH=FILE with PATH a file below
// GOROOT/src (did-you-mean among its folder's files when not), each PATH once, and
// FILE readable; BadInput saying which when not.
std::vector<toolchain::SourceOverlay> parse_overlays(const std::vector<std::string>& args,
                                                     const toolchain::GoToolchain& tc);
// For reports: each GOROOT file replaced (absolute, as go build -overlay names it)
// and the file that replaced it.
std::vector<std::pair<std::string, std::string>> overlay_record(const std::vector<toolchain::SourceOverlay>& overlays,
                                                                const toolchain::GoToolchain& tc);

}  // namespace gotramp::cli
