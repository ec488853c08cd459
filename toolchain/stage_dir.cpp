#include "toolchain/stage_dir.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace gotramp::toolchain {

namespace fs = std::filesystem;

bool is_stale_stage(const fs::path& stage) {
  const std::string name = stage.filename().string();
  const auto dash = name.rfind('-');
  if (dash == std::string::npos) return false;
  pid_t pid = 0;
  auto [end, err] = std::from_chars(name.data() + dash + 1, name.data() + name.size(), pid);
  if (err != std::errc() || end != name.data() + name.size() || pid <= 0) return false;  // not a stage of ours
  // ESRCH: no such process. (EPERM: another user's process, still running.)
  return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH;
}

int remove_stale_stages(const fs::path& root) {
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(root / "stage", ec)) {
    if (!is_stale_stage(entry.path())) continue;
    std::error_code rm;
    if (fs::remove_all(entry.path(), rm) > 0 && !rm) removed++;
  }
  return removed;
}

fs::path fresh_stage(const fs::path& root, const std::string& name) {
  remove_stale_stages(root);
  const fs::path stage = root / "stage" / fmt::format("{}-{}", name, getpid());
  fs::remove_all(stage);
  fs::create_directories(stage);
  return stage;
}

}  // namespace gotramp::toolchain
