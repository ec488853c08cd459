module gotramp/probe

go 1.19
