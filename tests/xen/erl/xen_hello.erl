%% xen_hello: the first Erlang code the zvm VM runs as a Xen PV guest (harness case zvm-on-xen).
%% It uses a stock OTP module (lists) and a BIF, prints one term on the console, and halts.
-module(xen_hello).
-export([main/0]).

main() ->
    Sum = lists:sum(lists:seq(1, 10)),
    erlang:display({zvm_on_xen, Sum, lists:reverse([c, b, a])}),
    erlang:halt(0).
