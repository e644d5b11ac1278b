%% zerg_web_app: the application callback. Starts the top supervisor; the instance's identity
%% (instance, daemon, peer) is in the application environment, set by zerg_web before start.
-module(zerg_web_app).
-behaviour(application).
-export([start/2, stop/1]).

start(_Type, _Args) ->
    zerg_web_sup:start_link().

stop(_State) ->
    ok.
