package coredns

import "gopkg.in/yaml.v3"

const literalOrFolded = yaml.LiteralStyle | yaml.FoldedStyle
