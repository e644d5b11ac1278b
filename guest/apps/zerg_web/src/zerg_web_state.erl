%% zerg_web_state: the gen_server whose state the pages are rendered from: who this instance is
%% (instance id, daemon, client address, from the application environment), when it started,
%% how many requests it answered and a counter that requests can add to.
-module(zerg_web_state).
-behaviour(gen_server).
-export([start_link/0, snapshot/0, request_seen/0, add/1]).
-export([init/1, handle_call/3, handle_cast/2]).

-record(state, {instance :: binary(),
                daemon :: binary(),
                peer :: binary(),
                started_us :: integer(),
                requests = 0 :: non_neg_integer(),
                counter = 0 :: integer()}).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% The state as a map, for rendering.
snapshot() ->
    gen_server:call(?MODULE, snapshot).

%% Counts one request; returns the snapshot after it.
request_seen() ->
    gen_server:call(?MODULE, request_seen).

%% Adds N to the counter; returns the snapshot after it.
add(N) when is_integer(N) ->
    gen_server:call(?MODULE, {add, N}).

init([]) ->
    {ok, #state{instance = env(instance),
                daemon = env(daemon),
                peer = env(peer),
                started_us = erlang:monotonic_time(microsecond)}}.

handle_call(snapshot, _From, S) ->
    {reply, to_map(S), S};
handle_call(request_seen, _From, S0) ->
    S = S0#state{requests = S0#state.requests + 1},
    {reply, to_map(S), S};
handle_call({add, N}, _From, S0) ->
    S = S0#state{counter = S0#state.counter + N},
    {reply, to_map(S), S}.

handle_cast(_Msg, S) ->
    {noreply, S}.

env(Key) ->
    case application:get_env(zerg_web, Key) of
        {ok, V} when is_binary(V) -> V;
        _ -> <<>>
    end.

to_map(#state{} = S) ->
    #{instance => S#state.instance,
      daemon => S#state.daemon,
      peer => S#state.peer,
      uptime_us => erlang:monotonic_time(microsecond) - S#state.started_us,
      requests => S#state.requests,
      counter => S#state.counter}.
