using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Protocol;

namespace Registry.Server.Transport;

/// <summary>Replying: the commit of a pass, sending replies, and closing or handing over connections.</summary>
internal sealed partial class EventLoop
{
    /// <summary>Waits once for everything the batch's replies rely on, then sends them.</summary>
    private void CompleteBatch()
    {
        if (_batch.Count == 0 && !_dispatched)
        {
            return;
        }

        ulong acknowledged = 0, covered = 0;
        foreach (var connection in _batch)
        {
            acknowledged = Math.Max(acknowledged, connection.Ticket.Acknowledged);
            covered = Math.Max(covered, connection.Ticket.Covered);
        }

        // Every pass that dispatched commits: a handler that went asynchronous may wait for what it appended here.
        string? failure = null;
        var unknown = false;
        try
        {
            failure = _durability is not null && (_dispatched || (acknowledged | covered) != 0) ? _durability.WaitFor(acknowledged, covered) : null;
        }
#pragma warning disable CA1031 // A bug behind the wait must cost this batch's replies, not the loop and every connection on it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TransportLog.CommitFailed(_logger, ex, _batch.Count);
            unknown = true;
        }

        _dispatched = false;
        var failed = 0;
        var now = _options.TimeProvider.GetTimestamp();
        foreach (var connection in _batch)
        {
            var response = connection.Reply;
            var outcome = connection.Outcome;
            if (unknown && !connection.Ticket.IsEmpty)
            {
                // Whether its change (or what it read) is durable is unknown: not a success.
                response = Response.Failure(ErrorSanitizer.RequestFailed);
                outcome = DispatchOutcome.Fault;
            }
            else if (failure is not null && connection.Ticket.Acknowledged != 0 && !response.IsError
                && _durability!.WaitFor(connection.Ticket.Acknowledged, 0) is { } text)
            {
                // Only the replies whose own change did not become durable: the wait above was for the highest.
                response = Response.Failure(text);
                outcome = DispatchOutcome.Error;
                failed++;
            }

            _metrics.RecordRequest(connection.Context.RequestType, outcome, _options.TimeProvider.GetElapsedTime(connection.Started, now));
            DisposeRequest(connection);
            if (connection.Closed)
            {
                continue;
            }

            FrameWriter.Encode(connection.Output, response, _scratch);
            connection.LastActivity = now;
            if (response.CloseAfter || _stopping)
            {
                connection.CloseAfterSend = true;
                connection.CloseReason = response.CloseAfter ? CloseReason.Requested : CloseReason.Shutdown;
            }

            Send(connection);
            if (!connection.Closed && !connection.CloseAfterSend)
            {
                if (!connection.WantsRead && !connection.PeerClosed)
                {
                    connection.WantsRead = true;
                    UpdateInterest(connection);
                }

                if (connection.Buffered > 0 || connection.PeerClosed)
                {
                    _ready.Add(connection);
                }
            }
        }

        _batch.Clear();
        if (failed > 0)
        {
            TransportLog.RepliesFailed(_logger, failed);
        }
    }

    private static void DisposeRequest(LoopConnection connection)
    {
        connection.Document?.Dispose();
        connection.Document = null;
        connection.Reply = default;
        connection.InFlight = false;
    }

    private void Send(LoopConnection connection)
    {
        while (connection.HasOutput)
        {
            var sent = Epoll.Send(connection.Descriptor, connection.Output.WrittenSpan[connection.OutputSent..]);
            if (sent > 0)
            {
                connection.OutputSent += sent;
            }
            else if (sent == -Epoll.EINTR)
            {
                continue;
            }
            else if (sent == -Epoll.EAGAIN)
            {
                if (connection.WriteBlockedSince == 0)
                {
                    connection.WriteBlockedSince = _options.TimeProvider.GetTimestamp();
                }

                if (!connection.WantsWrite)
                {
                    connection.WantsWrite = true;
                    UpdateInterest(connection);
                }

                return;
            }
            else
            {
                TransportLog.SocketCallFailed(_logger, connection.Id, connection.Remote, -sent);
                Close(connection, CloseReason.IoError);
                return;
            }
        }

        connection.ResetOutput();
        connection.WriteBlockedSince = 0;
        if (connection.WantsWrite)
        {
            connection.WantsWrite = false;
            UpdateInterest(connection);
        }

        if (connection.CloseAfterSend)
        {
            Close(connection, connection.CloseReason);
        }
    }

    private void UpdateInterest(LoopConnection connection)
    {
        var events = (connection.WantsRead ? Epoll.In | Epoll.ReadHangUp : 0) | (connection.WantsWrite ? Epoll.Out : 0);
        _ = Epoll.Control(_epoll, Epoll.Modify, (int)connection.Descriptor, events, (ulong)connection.Id);
    }

    private void HandOff(LoopConnection connection)
    {
        Detach(connection);
        _handOff(connection, connection.Input.AsSpan(connection.InputStart, connection.Buffered).ToArray());
    }

    private void Close(LoopConnection connection, CloseReason reason)
    {
        if (connection.Closed)
        {
            return;
        }

        Detach(connection);
        if (!connection.InFlight)
        {
            DisposeRequest(connection);
        }

        connection.Socket.Dispose();
        _metrics.ConnectionClosed(reason);
        _ended(connection);
    }

    private void Detach(LoopConnection connection)
    {
        connection.Closed = true;
        _ = Epoll.Control(_epoll, Epoll.Delete, (int)connection.Descriptor, 0, 0);
        _connections.Remove(connection.Id);
        if (_stopping && _connections.Count == 0)
        {
            _drained.TrySetResult();
        }
    }
}
