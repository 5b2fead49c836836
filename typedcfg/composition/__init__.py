"""Composition: layers merged in one order, config groups, defaults lists, interpolation.

Room 2, above ``read``. Named ``composition`` because ``typedcfg.compose`` is the public function.
"""
