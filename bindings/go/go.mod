module github.com/quiver-search/quiver/bindings/go

go 1.19
