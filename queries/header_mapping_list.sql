-- Header mappings people confirmed: for a layout, which indicator a header stands for (NULL: ignored).
SELECT layout_signature, header, indicator_code FROM header_mapping
