package localfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
)

// Error is the error every function of this package returns for bad input:
// the file (and line) it is about, what is wrong, and a hint when the user
// can fix it. It renders as "localfiles: FILE:LINE: message (hint)".
type Error struct {
	Path string // the file the error is about
	Line int    // 1-based line in Path, or 0
	Msg  string // what is wrong, lower case, no trailing period
	Hint string // what the user can do about it, or ""
	Err  error  // the underlying error, for errors.Is/As; may be nil
}

// ErrWrongPassword is wrapped by the error for a PFX file the password does
// not open.
var ErrWrongPassword = errors.New("wrong PFX password")

func (e *Error) Error() string { return "localfiles: " + e.detail() }

// detail is the message without the package prefix, so that an error about
// a certificate a mapping row names can be carried inside the row's error.
func (e *Error) detail() string {
	s := e.Path
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if s != "" {
		s += ": "
	}
	s += e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// errorf makes an *Error about path (and line, when not 0).
func errorf(path string, line int, hint, format string, args ...any) *Error {
	return &Error{Path: path, Line: line, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// wrap sets the underlying error.
func (e *Error) wrap(err error) *Error {
	e.Err = err
	return e
}

// fileError explains an error from opening or reading path without
// repeating the path the os package puts in it.
func fileError(path string, err error) *Error {
	var pe *fs.PathError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errorf(path, 0, "check the path", "no such file or folder").wrap(err)
	case errors.Is(err, fs.ErrPermission):
		return errorf(path, 0, "run appaudit as a user that can read it", "permission denied").wrap(err)
	}
	return errorf(path, 0, "", "cannot read: %s", msg).wrap(err)
}
