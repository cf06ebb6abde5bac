module quiver

go 1.19
