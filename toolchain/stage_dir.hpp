// Where one build stages its sources: <root>/stage/<name>-<pid>, fresh. A build
// interrupted (Ctrl-C, a kill) leaves its folder behind; each new one first removes
// the folders of processes that no longer run.
#pragma once

#include <filesystem>
#include <string>

namespace gotramp::toolchain {

std::filesystem::path fresh_stage(const std::filesystem::path& root, const std::string& name);

// Removes <root>/stage/*-<pid> for every pid that is not a running process; returns
// how many it removed.
int remove_stale_stages(const std::filesystem::path& root);

// Whether a folder named <name>-<pid> is a stage of a process that no longer runs
// (false for a name without a pid, and for this process's own).
bool is_stale_stage(const std::filesystem::path& stage);

}  // namespace gotramp::toolchain
