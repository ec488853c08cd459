#include "toolchain/process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

extern char** environ;

namespace gotramp::toolchain {
namespace {

using Clock = std::chrono::steady_clock;

// Whether fd becomes readable (or fails) before the deadline.
bool ready_before(int fd, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0)));
    if (n < 0 && errno == EINTR) continue;
    return n != 0;
  }
}

}  // namespace

bool kill_after(int pid, Clock::time_point deadline) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return false;
  const bool exited = ready_before(pidfd, deadline);
  close(pidfd);
  if (!exited) kill(pid, SIGKILL);
  return !exited;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::filesystem::path& cwd, std::chrono::milliseconds timeout) {
  const bool timed = timeout > std::chrono::milliseconds::zero();
  const auto deadline = Clock::now() + timeout;
  ProcessResult out;
  std::vector<std::string> envs;
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.contains(kv.substr(0, kv.find('=')))) envs.push_back(kv);
  }
  std::vector<char*> envp, args;
  for (auto& s : envs) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    out.output = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = 0;
  int err = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (err != 0) {
    close(fds[0]);
    out.output = std::string("cannot run ") + argv[0] + ": " + std::strerror(err);
    return out;
  }
  // Past the deadline: killed, and reaped below.
  auto note_killed = [&] {
    out.timed_out = true;
    out.output += fmt::format("\n{}: still running after {} ms, killed\n", argv[0], timeout.count());
  };
  char buf[4096];
  for (;;) {
    if (timed && !ready_before(fds[0], deadline)) {
      kill(pid, SIGKILL);
      note_killed();
      break;
    }
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.output.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  close(fds[0]);
  // Its output closed; it may still run.
  if (timed && !out.timed_out && kill_after(pid, deadline)) note_killed();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.exit_code = WIFEXITED(status) && !out.timed_out ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace gotramp::toolchain
