// Draws the staff usage dashboard from the numbers the page embeds (#usage-data), with the
// vendored Chart.js (window.Chart). The tables on the page carry the same numbers as text.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("usage-data").textContent);
  const money = (values) => values.map(Number);
  const common = { responsive: true, maintainAspectRatio: false, animation: false };

  new Chart(document.getElementById("chart-daily"), {
    data: {
      labels: data.days,
      datasets: [
        { type: "bar", label: "Messages", data: data.messages, yAxisID: "messages" },
        { type: "line", label: "Cost (USD)", data: money(data.cost), yAxisID: "cost" },
      ],
    },
    options: {
      ...common,
      scales: {
        messages: { position: "left", beginAtZero: true, title: { display: true, text: "messages" } },
        cost: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                title: { display: true, text: "USD" } },
      },
    },
  });

  new Chart(document.getElementById("chart-models"), {
    type: "bar",
    data: {
      labels: data.models,
      datasets: [
        { label: "Input tokens", data: data.inputTokens },
        { label: "Output tokens", data: data.outputTokens },
      ],
    },
    options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });

  new Chart(document.getElementById("chart-users"), {
    type: "bar",
    data: { labels: data.users, datasets: [{ label: "Cost (USD)", data: money(data.userCost) }] },
    options: { ...common, indexAxis: "y", scales: { x: { beginAtZero: true } } },
  });

  new Chart(document.getElementById("chart-feedback"), {
    type: "line",
    data: {
      labels: data.feedbackDays,
      datasets: data.feedback.map((series) => ({
        label: series.model, data: series.upShare, spanGaps: true,
      })),
    },
    options: { ...common, scales: { y: { min: 0, max: 100, title: { display: true, text: "% thumbs up" } } } },
  });
  document.getElementById("usage-analytics").dataset.chartsReady = "4";
})();
