using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A dashboard probe's state (Go <c>dashboard.ProbeState</c>).</summary>
public sealed class ProbeState
{
    /// <summary>Last success, Unix milliseconds.</summary>
    [JsonPropertyName("last_success")]
    public long LastSuccess { get; set; }

    /// <summary>Down intervals, Unix milliseconds.</summary>
    [JsonPropertyName("downtime_intervals")]
    public List<MillisInterval>? DowntimeIntervals { get; set; }

    /// <summary>Start of the current outage in Unix milliseconds, 0 while up.</summary>
    [JsonPropertyName("current_down_start")]
    public long CurrentDownStart { get; set; }
}
