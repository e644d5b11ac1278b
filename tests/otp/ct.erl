%% ct: the few common_test functions OTP's compiler suites call, for otp_runner, which runs the
%% suites without common_test (on stock erl and on zvm alike). Not OTP's module.
-module(ct).
-export([fail/1, fail/2, timetrap/1, comment/1, log/2, pal/2]).

fail(Reason) -> exit({test_case_failed, Reason}).
fail(Format, Args) -> exit({test_case_failed, lists:flatten(io_lib:format(Format, Args))}).
timetrap(_) -> ok. % otp_runner's own timeout applies
comment(_) -> ok.
log(_, _) -> ok.
pal(_, _) -> ok.
