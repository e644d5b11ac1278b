%% zerg_web_sup: the application's top supervisor. One child, the state server; one_for_one
%% so that a crash of the state server is restarted (and its crash report printed) as OTP does.
-module(zerg_web_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => one_for_one, intensity => 3, period => 5},
    State = #{id => zerg_web_state,
              start => {zerg_web_state, start_link, []},
              restart => permanent,
              shutdown => 1000,
              type => worker,
              modules => [zerg_web_state]},
    {ok, {Flags, [State]}}.
