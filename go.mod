module github.com/periscope-hq/periscope

go 1.26.8
