module github.com/dlc-go/dlc/backend/cpu/_gen

go 1.26
