// git_branch.h — the git branch a directory is on, read the way git itself
// finds it: the nearest `.git` at or above the directory — a directory, or
// (worktrees, submodules) a file "gitdir: PATH" naming the git directory —
// and that git directory's HEAD. One stat per level climbed and one small
// read (two for a `.git` file); no git process.
//
// A branch is spelled as git shows it ("main", "feature/x"); a detached HEAD
// as "detached:" and the commit's first 7 hex digits ("detached:1a2b3c4"),
// which no branch name can be (':' is not allowed in one).
//
// Thread-safe (no shared state). Reads files: never call it inside a write
// transaction.
#pragma once

#include <optional>
#include <string>

namespace roster {

// nullopt when `dir` is not inside a git work tree (or its HEAD is unreadable).
std::optional<std::string> ReadGitBranch(const std::string& dir);

}  // namespace roster
