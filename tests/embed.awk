# Turn a text file into a C string constant named by -v name=NAME.
BEGIN { printf "const char %s[] =\n", name; empty = 1 }
{
	gsub(/\\/, "\\\\")
	gsub(/"/, "\\\"")
	gsub(/\?/, "\\?")
	gsub(/\t/, "\\t")
	printf "\t\"%s\\n\"\n", $0
	empty = 0
}
END { if (empty) print "\t\"\""; print ";" }
