package tasks

import "testing"

func TestPickPython(t *testing.T) {
	const found = "PLATFORM\nLinux\nFOUND\n/usr/bin/python3.11\n/usr/bin/python3\nENDFOUND\n"
	tests := []struct {
		name, mode, out string
		interp          string
		warned          bool
	}{
		{"debian 12", "auto", found + "OSRELEASE\nID=debian\nVERSION_ID=\"12\"\n", "/usr/bin/python3", false},
		{"ubuntu 22.04", "auto", found + "OSRELEASE\nID=ubuntu\nVERSION_ID=\"22.04\"\n", "/usr/bin/python3", false},
		{"unknown distro", "auto", found + "OSRELEASE\nID=plan9\nVERSION_ID=4\n", "/usr/bin/python3.11", true},
		{"unknown distro, silent", "auto_silent", found + "OSRELEASE\nID=plan9\nVERSION_ID=4\n", "/usr/bin/python3.11", false},
		{"nothing found", "auto", "PLATFORM\nLinux\nFOUND\nENDFOUND\n", "/usr/bin/python", true},
		{"legacy prefers /usr/bin/python", "auto_legacy", "PLATFORM\nLinux\nFOUND\n/usr/bin/python3\n/usr/bin/python\nENDFOUND\nOSRELEASE\nID=debian\nVERSION_ID=12\n",
			"/usr/bin/python", true},
		{"rocky is redhat family", "auto", "PLATFORM\nLinux\nFOUND\n/usr/bin/python3\nENDFOUND\nOSRELEASE\nID=\"rocky\"\nVERSION_ID=\"9.2\"\n", "/usr/bin/python3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := pickPython("h1", tt.mode, pythonFallback, tt.out)
			if d.Interp != tt.interp || (len(d.Warnings) > 0) != tt.warned {
				t.Errorf("got %s %q, want %s warned=%v", d.Interp, d.Warnings, tt.interp, tt.warned)
			}
		})
	}
}
