// layout_oracle prints struct layouts of package runtime as the Go type checker
// (go/types, with the gc compiler's sizes for each GOARCH) computes them from the
// runtime's source: an oracle independent of the linker's DWARF, for the tests of
// emu/dwarf_types. Built and run with the toolchain under test, so the source is
// that toolchain's own GOROOT/src/runtime.
//
// Usage: GOARCH=X layout_oracle; prints one line per member:
//
//	runtime.TYPE MEMBER OFFSET SIZE
//
// and one "runtime.TYPE = SIZE" line per struct. GOARCH is taken from the
// environment, as go/build does, so that the build tags (including the
// goexperiment ones, such as the register ABI's) are those of that GOARCH.
package main

import (
	"fmt"
	"go/build"
	"go/importer"
	"go/token"
	"go/types"
	"os"
)

var structs = []string{"g", "m", "gobuf", "stack", "funcval", "p"}

func main() {
	arch := build.Default.GOARCH
	build.Default.GOOS = "linux"
	build.Default.CgoEnabled = false
	{
		fset := token.NewFileSet()
		imp := importer.ForCompiler(fset, "source", nil)
		pkg, err := imp.Import("runtime")
		if err != nil && pkg == nil {
			fmt.Fprintln(os.Stderr, "layout_oracle:", arch, err)
			os.Exit(1)
		}
		sizes := types.SizesFor("gc", arch)
		// The gc compiler rounds a struct's size up to its alignment; go/types
		// before Go 1.21 leaves that trailing padding out (runtime.m's mOS on
		// linux/1.19: 9 bytes where the compiler lays out 12). Round as gc does.
		sizeof := func(t types.Type) int64 {
			a := sizes.Alignof(t)
			return (sizes.Sizeof(t) + a - 1) / a * a
		}
		for _, name := range structs {
			obj := pkg.Scope().Lookup(name)
			if obj == nil {
				continue
			}
			st, ok := obj.Type().Underlying().(*types.Struct)
			if !ok {
				continue
			}
			fields := make([]*types.Var, st.NumFields())
			for i := range fields {
				fields[i] = st.Field(i)
			}
			offsets := sizes.Offsetsof(fields)
			for i, f := range fields {
				fmt.Printf("runtime.%s %s %d %d\n", name, f.Name(), offsets[i], sizeof(f.Type()))
			}
			fmt.Printf("runtime.%s = %d\n", name, sizeof(st))
		}
	}
}
