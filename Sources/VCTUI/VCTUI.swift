// VCTUI: the explorer
