// Reading gotramp's JUnit files back the way CI does: with junitparser (PyPI,
// pinned by scripts/setup), not with our own XML code.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "toolchain/process.hpp"

namespace gotramp::test {

// One line per test case: suite, classname, name, its result (pass, failure, error,
// skipped) and the length of the result's text, then each of `attributes` of the
// case (None when absent); last, "total N".
inline std::vector<std::string> junit_cases(const std::filesystem::path& xml,
                                            const std::vector<std::string>& attributes = {}) {
  std::string script =
      "import sys, junitparser\n"
      "xml = junitparser.JUnitXml.fromfile(sys.argv[1])\n"
      "n = 0\n"
      "for suite in xml:\n"
      "    for case in suite:\n"
      "        kinds = [type(r).__name__ for r in case.result]\n"
      "        kind = 'pass' if not kinds else kinds[0].lower()\n"
      "        text = ''.join((r.text or '') for r in case.result)\n"
      "        extra = [str(case._elem.get(a)) for a in sys.argv[2:]]\n"
      "        print(suite.name, case.classname, case.name, kind, len(text), *extra)\n"
      "        n += 1\n"
      "print('total', n)\n";
  std::vector<std::string> argv = {std::string(GOTRAMP_VENV) + "/bin/python", "-c", script, xml.string()};
  argv.insert(argv.end(), attributes.begin(), attributes.end());
  auto r = toolchain::run_process(argv, {}, std::filesystem::current_path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> lines;
  std::istringstream in(r.output);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace gotramp::test
