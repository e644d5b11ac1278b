%% test_server: ct.hrl's ?config macro, for otp_runner (see ct.erl). Not OTP's module.
-module(test_server).
-export([lookup_config/2]).

lookup_config(Key, Config) ->
    case lists:keyfind(Key, 1, Config) of
        {Key, Value} -> Value;
        false -> undefined
    end.
