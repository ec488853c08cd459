// Toolchains with planted bugs, for tests: copies of the pinned GOROOT (the bundled
// Go 1.27.3) in the build tree, made of hard links but for the files an edit
// rewrites, with compile, asm and link rebuilt by the copy's own go when an edit
// changes their sources (src/cmd/). Each copy is cached with a stamp of its edits,
// so CI pays for a copy, and for a compiler rebuild, only when the edits change.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gotramp::test {

// One rewrite of one file of the pinned GOROOT.
struct GorootEdit {
  std::string file;     // relative to GOROOT/src: "runtime/asm_arm64.s"
  std::string text;     // present in the file exactly once (after the edits before it)
  std::string instead;  // what the copy has in its place
};

// The copy named name (GOTRAMP_BUILD_DIR/planted-goroots/<name>/go) of the pinned
// GOROOT with edits applied in order, made on first use and whenever the edits, or
// the pinned GOROOT, change. Edits outside src/cmd/ change what the toolchain builds
// (its runtime, its std); edits under src/cmd/ change the toolchain itself: every one
// of compile, asm and link whose packages include an edited one is rebuilt from the
// copy's sources by the copy's own go (hermetic: GOTOOLCHAIN=local, GOPROXY=off,
// GOENV=off, GOWORK=off, a GOCACHE in the build tree) and replaces the copy's binary
// by rename. Files are unlinked before they are rewritten, so the pinned GOROOT is
// never written; the helper checks it (its tools and the edited files) afterwards.
// Throws std::runtime_error when an edit's text is not there exactly once, a src/cmd/
// edit changes none of the three tools, or a build fails (with go's output).
std::filesystem::path planted_goroot(const std::string& name, const std::vector<GorootEdit>& edits);

// The pinned GOROOT the copies are made from.
std::filesystem::path pinned_goroot();

// The pinned GOROOT's file of an edit with the edit applied, written to
// dir/<its name> (dir is made): the one file a porter hands --overlay instead of a
// copied GOROOT. Throws std::runtime_error when the text is not there exactly once.
std::filesystem::path edited_copy(const GorootEdit& edit, const std::filesystem::path& dir);

// GOROOT/pkg/tool/<GOHOSTOS>_<GOHOSTARCH> of a GOROOT (`go env GOTOOLDIR`).
std::filesystem::path tool_dir(const std::filesystem::path& goroot);

// Planted compiler bugs the project's checks are meant to catch.

// arm64's stack-split prologue no longer reloads the register arguments it spilled
// before calling morestack: after `BL runtime.morestack_noctxt` it branches straight
// back to the function's start (cmd/internal/obj/arm64/obj7.go drops its
// UnspillRegisterArgs), so a function resumed on a new stack sees whatever newstack
// left in R0...R15.
GorootEdit arm64_prologue_without_unspill();
// planted_goroot("arm64-prologue-without-unspill", {arm64_prologue_without_unspill()}).
std::filesystem::path arm64_prologue_without_unspill_goroot();

}  // namespace gotramp::test
