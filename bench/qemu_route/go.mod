module gotramp/qemuroute

go 1.19
