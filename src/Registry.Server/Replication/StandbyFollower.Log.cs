using System.Net;
using Microsoft.Extensions.Logging;
using Registry.Persistence.Replication;

namespace Registry.Server.Replication;

/// <summary>The follower's log lines: every replication decision a standby makes is logged.</summary>
public sealed partial class StandbyFollower
{
    [LoggerMessage(Level = LogLevel.Information, Message = "standby: subscribed to {Primary} over {Transport} from sequence {From} (0 = snapshot first), history check: {Checked}")]
    private static partial void LogSubscribed(ILogger logger, EndPoint primary, string transport, ulong from, string @checked);

    [LoggerMessage(Level = LogLevel.Error, Message = "standby: {Primary} refuses to stream: this standby's record {Sequence} differs from the primary's, so their histories diverged (two primaries took writes). Nothing is applied; retrying. To rejoin, stop this server, move its data directory aside and start it fresh")]
    private static partial void LogDiverged(ILogger logger, EndPoint primary, ulong sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "standby: it held records beyond the primary's snapshot (sequence {Sequence}): this server was ahead of its primary, e.g. an old primary that took writes after a promotion. They are not part of the primary's history and were moved aside, not deleted: {Files}")]
    private static partial void LogSetAside(ILogger logger, ulong sequence, string files);

    [LoggerMessage(Level = LogLevel.Information, Message = "standby: adopted the primary's timeline: {Timeline}")]
    private static partial void LogTimeline(ILogger logger, Timeline timeline);

    [LoggerMessage(Level = LogLevel.Information, Message = "standby: {Primary} asks for confirmations ({Kind}); confirming what this standby holds durably")]
    private static partial void LogAcksRequested(ILogger logger, EndPoint primary, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "standby: caught up with {Primary} at sequence {Sequence}")]
    private static partial void LogCaughtUp(ILogger logger, EndPoint primary, ulong sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "standby: installed the primary's snapshot covering sequence {Sequence}")]
    private static partial void LogSnapshot(ILogger logger, ulong sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "standby: connection to {Primary} failed, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, EndPoint primary, string reason);
}
