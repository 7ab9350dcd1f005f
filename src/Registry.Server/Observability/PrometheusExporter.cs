using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Registry.Server.Observability;

/// <summary>Aggregates the measurements of selected meters and renders them in the Prometheus text format (version 0.0.4).</summary>
/// <remarks>
/// Threading: measurement callbacks arrive concurrently from connections; each series updates under its own small
/// lock, so recording never contends across series. <see cref="Render"/> is serialised by one lock and first
/// polls the observable instruments (the WAL/Store gauges), so a scrape sees current values.
/// Counters and up-down counters accumulate deltas; observable counters and gauges keep the last value; histograms
/// keep cumulative bucket counts, sum and count, with the instrument's advised boundaries when it has any.
/// </remarks>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] s_defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentSeries> _instruments = new();
    private readonly Lock _renderLock = new();

    /// <summary>Starts listening to every instrument whose meter satisfies <paramref name="meterFilter"/>.</summary>
    public PrometheusExporter(Func<Meter, bool> meterFilter)
    {
        ArgumentNullException.ThrowIfNull(meterFilter);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meterFilter(instrument.Meter))
            {
                var series = _instruments.GetOrAdd(instrument, static i => new InstrumentSeries(i, BucketsOf(i)));
                listener.EnableMeasurementEvents(instrument, series);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentSeries? _);
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Polls the observable instruments and returns the exposition text.</summary>
    public string Render()
    {
        lock (_renderLock)
        {
            _listener.RecordObservableInstruments();
            var text = new StringBuilder(4096);
            foreach (var series in _instruments.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                series.Render(text);
            }

            return text.ToString();
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private static double[] BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } advised } => [.. advised],
        _ => s_defaultBuckets,
    };

    /// <summary>Formats a number as Prometheus expects: invariant, with +Inf/-Inf/NaN spelled out.</summary>
    internal static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Escapes a label value (backslash, quote, newline).</summary>
    internal static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
