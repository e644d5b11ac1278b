%% zerg_web_io: every byte the application reads or writes outside the VM goes through here, so
%% that the rest of the application is the same on stock erl and on zvm.
%%
%% Two descriptors of the guest contract (docs/guest-contract.md):
%%   fd 4  the control channel, a SOCK_SEQPACKET Unix socket: one recv = one message;
%%   fd 3  the client connection: a TCP socket (hand-off "fd") or a SOCK_STREAM Unix socket
%%         (hand-off "forward").
%% Two backends, chosen once at start (backend/0):
%%   otp  stock erl (OTP 25): fd 4 through the socket module, socket:open(4, #{dup => false})
%%        (its recv keeps message boundaries; no dup: the seccomp profile allows none);
%%        fd 3 through gen_tcp:fdopen/2, inet first, then local for a Unix socket.
%%   zvm  our VM (its TCP outlet, VM part 2): fd 3 through the same gen_tcp:fdopen/2
%%        (the TCP outlet adopting an inherited descriptor); fd 4 through gen_tcp:fdopen(4,
%%        [local]) as well, which needs that outlet to hand out what one read() of a
%%        SOCK_SEQPACKET descriptor returns as one recv result (one message), which it does.
%% Connections are {tcp, Socket} on both backends, so the serving code is one.
-module(zerg_web_io).
-export([backend/0, open_control/1, control_recv/2, control_send/2, control_close/1,
         open_connection/1, recv/3, send/2, shutdown_write/1, close/1, from_gen_tcp/1]).

-define(CONTROL_FD, 4).
-define(CONNECTION_FD, 3).
%% exit_on_close false: a client that half-closes after its request still gets the answer.
-define(CONN_OPTS, [binary, {active, false}, {packet, raw}, {exit_on_close, false}]).

-type backend() :: otp | zvm.
-type control() :: {socket, socket:socket()} | {tcp, gen_tcp:socket()}.
-type connection() :: {tcp, gen_tcp:socket()}.
-export_type([backend/0, control/0, connection/0]).

%% `-zerg_web_io otp|zvm` on the command line wins; otherwise stock BEAM means otp.
-spec backend() -> backend().
backend() ->
    case init:get_argument(zerg_web_io) of
        {ok, [["otp"]]} -> otp;
        {ok, [["zvm"]]} -> zvm;
        _ ->
            case erlang:system_info(machine) of
                "BEAM" -> otp;
                _ -> zvm
            end
    end.

-spec open_control(backend()) -> {ok, control()} | {error, term()}.
open_control(otp) ->
    case socket:open(?CONTROL_FD, #{dup => false}) of
        {ok, S} -> {ok, {socket, S}};
        {error, R} -> {error, {control_fd, R}}
    end;
open_control(zvm) ->
    case gen_tcp:fdopen(?CONTROL_FD, [local | ?CONN_OPTS]) of
        {ok, S} -> {ok, {tcp, S}};
        {error, R} -> {error, {control_fd, R}}
    end.

%% One message of the control channel.
-spec control_recv(control(), timeout()) -> {ok, binary()} | {error, term()}.
control_recv({socket, S}, Timeout) -> socket:recv(S, 0, Timeout);
control_recv({tcp, S}, Timeout) -> gen_tcp:recv(S, 0, Timeout).

-spec control_send(control(), iodata()) -> ok | {error, term()}.
control_send({socket, S}, Data) -> socket:send(S, Data);
control_send({tcp, S}, Data) -> gen_tcp:send(S, Data).

-spec control_close(control()) -> ok.
control_close({socket, S}) -> _ = socket:close(S), ok;
control_close({tcp, S}) -> gen_tcp:close(S).

%% Adopts fd 3. A TCP socket is refused by the local family and a Unix one by inet (einval).
-spec open_connection(backend()) -> {ok, connection()} | {error, term()}.
open_connection(_Backend) ->
    case gen_tcp:fdopen(?CONNECTION_FD, ?CONN_OPTS) of
        {ok, S} -> {ok, {tcp, S}};
        {error, einval} ->
            case gen_tcp:fdopen(?CONNECTION_FD, [local | ?CONN_OPTS]) of
                {ok, S} -> {ok, {tcp, S}};
                {error, R} -> {error, {connection_fd, R}}
            end;
        {error, R} -> {error, {connection_fd, R}}
    end.

%% A socket accepted by the development listener (zerg_web:dev/1).
-spec from_gen_tcp(gen_tcp:socket()) -> connection().
from_gen_tcp(S) ->
    ok = inet:setopts(S, [{exit_on_close, false}]),
    {tcp, S}.

-spec recv(connection(), non_neg_integer(), timeout()) -> {ok, binary()} | {error, term()}.
recv({tcp, S}, Len, Timeout) -> gen_tcp:recv(S, Len, Timeout).

-spec send(connection(), iodata()) -> ok | {error, term()}.
send({tcp, S}, Data) -> gen_tcp:send(S, Data).

-spec shutdown_write(connection()) -> ok | {error, term()}.
shutdown_write({tcp, S}) -> gen_tcp:shutdown(S, write).

%% gen_tcp:close/1 returns once what was sent has left the VM's queue.
-spec close(connection()) -> ok.
close({tcp, S}) -> gen_tcp:close(S).
