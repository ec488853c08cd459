module gotramp/layoutoracle

go 1.19
