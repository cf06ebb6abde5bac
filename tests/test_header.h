/* Functions defined by the strictly compiled header translation units. */
#ifndef QVT_TEST_HEADER_H
#define QVT_TEST_HEADER_H
#ifdef __cplusplus
extern "C" {
#endif
unsigned qvt_header_c_version_number(void);
int qvt_header_c_check(void);     /* 9 when all checks hold */
int qvt_header_cpp_check(void);   /* 6 when all checks hold (C++11) */
int qvt_header_cpp20_check(void); /* 6 when all checks hold (C++20) */
#ifdef __cplusplus
}
#endif
#endif
