package lantian

import "embed"

// DemoFS holds the data a fresh installation loads on first start (package
// demo): the real 2019 hourly data of Nanyang's national stations and the
// Henan files of January 2019 (testdata/cnemc), the Henan station list,
// and the plan files. It lives in the root package because go:embed cannot
// reach parent directories; only the binary that loads demo data uses it,
// and uncompressed it adds about 7 MB to that binary, which keeps the files
// readable with any tool and avoids a build step.
//
//go:embed testdata/cnemc testdata/henan_stations.csv plans/*.yaml
var DemoFS embed.FS
