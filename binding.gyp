{
  "targets": [{
    "target_name": "myelin",
    "sources": ["<!@(node -p \"require('./native/sources.json').join(' ')\")"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(node scripts/detect_blas.js include_dirs)"],
    "defines": ["<!@(node scripts/detect_blas.js defines)"],
    "libraries": ["<!@(node scripts/detect_blas.js libraries)"],
    "cflags!": ["-fno-exceptions", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-pthread", "-fopenmp-simd", "-fexceptions", "-fno-math-errno", "<!@(node scripts/detect_blas.js flags)"],
    "xcode_settings": {"GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3"]}
  }]
}
