"""The store dashboard (managers, F11): today's figures and six charts, each exportable.

The figures are computed by services/dashboard.py on the database worker; this dialog only
draws them (QtCharts). Offline, a line says the figures are this till's own and how old HQ's
chain figures are. Each chart exports to PNG (the chart view as drawn) and CSV (its series).
"""

from __future__ import annotations

import csv
import logging
from decimal import Decimal
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QEvent, QMargins, Qt, QTime, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posclient.domain.errors import PosError
from posclient.services import dashboard as dashboard_service
from posclient.services.dashboard import Chart, Dashboard

from . import format as fmt
from .context import Context
from .format import named
from .message_line import MessageLine

log = logging.getLogger("posclient.ui")

COLORS = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5")


class ChartCell(QWidget):
    """One chart with its export buttons."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"chartCell_{key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.chart = QChart()
        self.chart.setObjectName(f"chart_{key}")
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.view = named(QChartView(self.chart), f"chartView_{key}")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumSize(320, 220)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.pngButton = named(QPushButton(), f"exportPng_{key}")
        self.csvButton = named(QPushButton(), f"exportCsv_{key}")
        for button in (self.pngButton, self.csvButton):
            button.setProperty("small", True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            row.addWidget(button)
        layout.addLayout(row)


class DashboardDialog(QDialog):
    """Opens at once with "Loading…", then draws what the database worker computed."""

    loaded = Signal(object)  # Dashboard
    exported = Signal(str)  # path written

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("dashboardDialog")
        self.setModal(True)
        self.resize(1180, 760)
        self.board: Dashboard | None = None
        self.fileDialog: QFileDialog | None = None
        self._build()
        self._retranslate()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.titleLabel = named(QLabel(), "dashboardTitle")
        self.titleLabel.setStyleSheet("font-size:15pt;font-weight:bold;")
        self.closeButton = named(QPushButton(), "dashboardClose")
        self.closeButton.clicked.connect(self.reject)
        top.addWidget(self.titleLabel, 1)
        top.addWidget(self.closeButton)
        layout.addLayout(top)
        self.offlineLabel = named(QLabel(), "dashboardOffline")
        self.offlineLabel.setWordWrap(True)
        self.offlineLabel.setStyleSheet("color:#9c4221;font-weight:bold;")
        layout.addWidget(self.offlineLabel)
        tiles = QHBoxLayout()
        self.todayTile = named(QLabel(), "tileToday")
        self.monthTile = named(QLabel(), "tile30Days")
        self.chainTile = named(QLabel(), "tileChain")
        for tile in (self.todayTile, self.monthTile, self.chainTile):
            tile.setTextFormat(Qt.TextFormat.RichText)
            tile.setStyleSheet(
                "QLabel{background:#f1f5fa;border:1px solid #d5dfeb;border-radius:6px;padding:6px;}"
            )
            tiles.addWidget(tile, 1)
        layout.addLayout(tiles)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.cells: dict[str, ChartCell] = {}
        keys = ("sales", "new_members", "points", "avg_ticket", "repeat", "coupons")
        for index, key in enumerate(keys):
            cell = ChartCell(key, self)
            cell.pngButton.clicked.connect(lambda _=False, k=key: self.ask_export(k, "png"))
            cell.csvButton.clicked.connect(lambda _=False, k=key: self.ask_export(k, "csv"))
            self.cells[key] = cell
            grid.addWidget(cell, index // 3, index % 3)
        layout.addLayout(grid, 1)
        self.message = MessageLine(self, name="dashboardMessage")
        layout.addWidget(self.message)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.setWindowTitle(self.tr("Store dashboard"))
        store = self.board.store if self.board else ""
        self.titleLabel.setText(self.tr("Store dashboard · %1").replace("%1", store).rstrip(" ·"))
        self.closeButton.setText(fmt.with_key(self.tr("Close"), "Esc"))
        for cell in self.cells.values():
            cell.pngButton.setText(self.tr("PNG…"))
            cell.csvButton.setText(self.tr("CSV…"))
            cell.pngButton.setToolTip(self.tr("Save this chart as a picture"))
            cell.csvButton.setToolTip(self.tr("Save this chart's figures as CSV"))
        if self.board is None:
            self.todayTile.setText(self.tr("Loading…"))
            self.monthTile.clear()
            self.chainTile.clear()
            self.offlineLabel.hide()
        else:
            self.show_board(self.board)

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Compute on the database worker; draw when it is back."""
        db, clock = self.ctx.till.db, self.ctx.clock
        self.ctx.ops.db(dashboard_service.load, db, now=clock.now(), tz=clock.tz).success(
            self._on_loaded
        ).failure(self._on_failed).run()

    def _on_loaded(self, board: Dashboard) -> None:
        self.show_board(board)
        self.loaded.emit(board)

    def _on_failed(self, error: PosError) -> None:
        self.message.show_error(self.ctx.error_text(error))

    def show_board(self, board: Dashboard) -> None:
        self.board = board
        self.titleLabel.setText(self.tr("Store dashboard · %1").replace("%1", board.store))
        self._render_tiles(board)
        self._render_offline(board)
        for key, cell in self.cells.items():
            self._draw(cell, board.chart(key))

    def _render_tiles(self, board: Dashboard) -> None:
        def share(value: Decimal | None) -> str:
            return "–" if value is None else f"{value}%"

        today = board.today
        self.todayTile.setText(
            "<b>"
            + self.tr("Today")
            + f"</b><br><span style='font-size:18pt'>{fmt.yuan(today.amount)}</span><br>"
            + self.tr("%1 sales · members %2")
            .replace("%1", str(today.sales))
            .replace("%2", share(today.member_share))
        )
        self.monthTile.setText(
            "<b>"
            + self.tr("Last 30 days")
            + f"</b><br><span style='font-size:18pt'>{fmt.yuan(board.sales_30d)}</span><br>"
            + self.tr("members %1").replace("%1", share(board.member_share_30d))
        )
        if board.hq_as_of is None:
            chain = self.tr("No chain figures from HQ yet")
        else:
            chain = self.tr("Chain members' share of sales (30 days): %1").replace(
                "%1", share(board.chain_member_share_30d)
            )
        self.chainTile.setText("<b>" + self.tr("Chain (HQ)") + "</b><br>" + chain)

    def _render_offline(self, board: Dashboard) -> None:
        when = None
        if board.hq_as_of is not None:
            when = self.ctx.clock.local(board.hq_as_of).strftime("%Y-%m-%d %H:%M")
        if board.online:
            self.offlineLabel.setStyleSheet("color:#2f855a;")
            if when is None:
                text = self.tr("Online — no HQ figures received yet")
            else:
                text = self.tr("Online — HQ figures as of %1").replace("%1", when)
        else:
            self.offlineLabel.setStyleSheet("color:#9c4221;font-weight:bold;")
            if when is None:
                text = self.tr("Offline — figures from this till only, no HQ figures yet")
            else:
                text = self.tr(
                    "Offline — figures from this till only, HQ figures as of %1"
                ).replace("%1", when)
        self.offlineLabel.setText(text)
        self.offlineLabel.show()

    # ------------------------------------------------------------------ charts

    def chart_title(self, key: str) -> str:
        return {
            "sales": self.tr("Sales, last 30 days (¥)"),
            "new_members": self.tr("New members per day"),
            "points": self.tr("Points issued vs redeemed"),
            "avg_ticket": self.tr("Average ticket by tier, 30 days (¥)"),
            "repeat": self.tr("Repeat-purchase rate (%)"),
            "coupons": self.tr("Coupon redemptions, 30 days"),
        }.get(key, key)

    def series_name(self, key: str) -> str:
        return {
            "total": self.tr("All sales"),
            "member": self.tr("Members"),
            "store": self.tr("This store"),
            "chain": self.tr("Chain (HQ)"),
            "issued": self.tr("Issued"),
            "redeemed": self.tr("Redeemed"),
            "rate": self.tr("Repeat rate"),
            "average": self.tr("Average ticket"),
            "uses": self.tr("Redemptions"),
        }.get(key, key)

    def category_name(self, chart: Chart, label: str) -> str:
        if chart.key == "repeat":
            return {"30d": self.tr("30 days"), "90d": self.tr("90 days")}.get(label, label)
        if chart.key == "avg_ticket":
            if label == "walk_in":
                return self.tr("Walk-in")
            tiers = self.board.tiers if self.board else ()
            tier = next((t for t in tiers if t.code == label), None)
            return tier.name(self.ctx.lang) if tier else label
        if chart.key == "coupons":
            return {
                "general": self.tr("General"),
                "first_purchase": self.tr("First buy"),
                "birthday": self.tr("Birthday"),
                "comeback": self.tr("Comeback"),
            }.get(label, label)
        return label

    def _draw(self, cell: ChartCell, chart: Chart) -> None:
        qchart = cell.chart
        qchart.removeAllSeries()
        for axis in qchart.axes():
            qchart.removeAxis(axis)
        qchart.setTitle(self.chart_title(chart.key))
        numbers = [float(v) for s in chart.series for v in s.values if v is not None]
        top = max(numbers, default=0.0)
        y = QValueAxis()
        percent = chart.unit == "percent"
        # Room for the labels above the bars; a rate never goes past 100 %.
        y.setRange(0, 100 if percent else _nice(top * 1.1))
        y.setLabelFormat("%.0f" if chart.unit != "percent" else "%.0f%%")
        if chart.days:
            dates = QDateTimeAxis()
            dates.setFormat("MM-dd")
            dates.setTickCount(6)
            dates.setRange(_day(chart, 0), _day(chart, len(chart.x) - 1))
            qchart.addAxis(dates, Qt.AlignmentFlag.AlignBottom)
            qchart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
            for n, series in enumerate(chart.series):
                line = QLineSeries()
                line.setName(self.series_name(series.key))
                line.setColor(QColor(COLORS[n % len(COLORS)]))
                for index, value in enumerate(series.values):
                    if value is not None:
                        line.append(_day(chart, index).toMSecsSinceEpoch(), float(value))
                qchart.addSeries(line)
                line.attachAxis(dates)
                line.attachAxis(y)
        else:
            bars = QBarSeries()
            for n, series in enumerate(chart.series):
                bar_set = QBarSet(self.series_name(series.key))
                bar_set.setColor(QColor(COLORS[n % len(COLORS)]))
                # Bars show whole yuan / percent (the CSV keeps the exact figures).
                bar_set.append([round(float(v)) if v is not None else 0.0 for v in series.values])
                bars.append(bar_set)
            bars.setLabelsVisible(True)
            bars.setLabelsPosition(
                QBarSeries.LabelsPosition.LabelsInsideEnd
                if percent
                else QBarSeries.LabelsPosition.LabelsOutsideEnd
            )
            for bar_set in bars.barSets():
                bar_set.setLabelColor(QColor("#ffffff" if percent else "#1a202c"))
            qchart.addSeries(bars)
            categories = QBarCategoryAxis()
            categories.append([self.category_name(chart, label) for label in chart.x])
            qchart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
            qchart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
            bars.attachAxis(categories)
            bars.attachAxis(y)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.8))
        for axis in qchart.axes():
            axis.setLabelsFont(small)
        qchart.legend().setVisible(len(chart.series) > 1)

    # ------------------------------------------------------------------ export

    def ask_export(self, key: str, kind: str) -> None:
        """Ask where to save (a non-native dialog, opened without blocking), then export."""
        caption = self.tr("Export chart")
        filters = self.tr("PNG image (*.png)") if kind == "png" else self.tr("CSV file (*.csv)")
        dialog = QFileDialog(self, caption, str(Path.home() / f"{key}.{kind}"), filters)
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setDefaultSuffix(kind)
        dialog.fileSelected.connect(lambda path: self.export(key, kind, Path(path)))
        self.fileDialog = dialog
        dialog.open()

    def export(self, key: str, kind: str, path: Path) -> None:
        try:
            if kind == "png":
                if not self.cells[key].view.grab().save(str(path), "PNG"):
                    raise OSError("not saved")
            else:
                self.write_csv(key, path)
        except OSError:
            self.message.show_error(
                self.ctx.error_text(PosError("dashboard.export_failed", path=str(path)))
            )
            return
        log.info("dashboard chart exported", extra={"chart": key, "kind": kind})
        self.message.show_info(self.tr("Saved %1").replace("%1", str(path)))
        self.exported.emit(str(path))

    def write_csv(self, key: str, path: Path) -> None:
        """The chart's series as CSV (series names as codes: stable for spreadsheets)."""
        assert self.board is not None
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(self.board.chart(key).rows())


def _day(chart: Chart, index: int) -> QDateTime:
    """Noon on the date of a daily chart's ``index``-th point (local time)."""
    day = chart.days[index]
    return QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0))


def _nice(top: float) -> float:
    """A round upper bound for the y axis (1, 2, 5 × 10ⁿ steps), never 0."""
    if top <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)
