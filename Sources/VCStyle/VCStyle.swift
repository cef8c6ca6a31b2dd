// VCStyle: the view rules the explorer and the PNG export share, written once.
//
//   Quantity        what a view draws, and its colormap (per site kind; overrides win)
//   ScaleRule       the range values are drawn over: min…max or ±max|v|, fixed ranges, scopes
//   Overlay         the CAM's blend over the picture (141/256, integer arithmetic)
//   AttentionMask   α of a token only over the tokens each scan has read
//   ScanNames       the four scans' names, their panel titles, and step numbers as people read them
//
// The screen (VCTUI) and the PNGs (VCExport) call these functions; nothing here draws.
