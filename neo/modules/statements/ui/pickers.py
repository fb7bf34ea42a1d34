"""Touch pickers: a date (month grid of big day buttons, month and year steps, or typed
as JJ/MM/AAAA) and a time (hours and minutes with big − / + steps and quick chips).

The dialogs return plain values (``date``, ``time``); nothing here knows about drafts."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from neo.modules.statements.ui.widgets import Tr, button, chip, label

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def parse_fr_date(text: str) -> date | None:
    """``12/03/1985`` (or ``12-03-1985``, ``12.03.1985``, ``12031985``) -> date; None if unreadable."""
    digits = text.strip().replace("-", "/").replace(".", "/").replace(" ", "/")
    if "/" not in digits and len(digits) == 8 and digits.isdigit():
        digits = f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
    try:
        return datetime.strptime(digits, "%d/%m/%Y").date()
    except ValueError:
        return None


class CalendarGrid(QWidget):
    """A month of big day buttons; ``chosen`` is the date tapped last."""

    def __init__(self, tr: Tr, initial: date, maximum: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.chosen = initial
        self.maximum = maximum
        self.month = initial.replace(day=1)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.prev_year = button("«", None, name="PrevYear")
        self.prev_month = button("‹", None, name="PrevMonth")
        self.title = label("", "section", name="MonthTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_month = button("›", None, name="NextMonth")
        self.next_year = button("»", None, name="NextYear")
        for b, step in ((self.prev_year, -12), (self.prev_month, -1), (self.next_month, 1), (self.next_year, 12)):
            b.setMinimumWidth(64)
            b.clicked.connect(lambda _=False, s=step: self.shift(s))
        head.addWidget(self.prev_year)
        head.addWidget(self.prev_month)
        head.addWidget(self.title, 1)
        head.addWidget(self.next_month)
        head.addWidget(self.next_year)
        self.grid = QGridLayout()
        self.grid.setSpacing(6)
        for c, name in enumerate(WEEKDAYS):
            day = label(tr(name), "muted")
            day.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(day, 0, c)
        self.days: list = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        box.addLayout(head)
        box.addLayout(self.grid)
        self.refresh()

    def shift(self, months: int) -> None:
        index = self.month.year * 12 + self.month.month - 1 + months
        self.month = date(index // 12, index % 12 + 1, 1)
        self.refresh()

    def show_month(self, day: date) -> None:
        self.chosen = day
        self.month = day.replace(day=1)
        self.refresh()

    def refresh(self) -> None:
        for b in self.days:
            self.grid.removeWidget(b)
            b.deleteLater()
        self.days = []
        self.title.setText(f"{self.tr(MONTHS[self.month.month - 1])} {self.month.year}")
        first_weekday, count = calendar.monthrange(self.month.year, self.month.month)
        for n in range(1, count + 1):
            d = self.month.replace(day=n)
            b = chip(str(n), "day", name="CalendarDay")
            b.setChecked(d == self.chosen)
            b.setEnabled(self.maximum is None or d <= self.maximum)
            b.clicked.connect(lambda _=False, d=d: self.pick(d))
            slot = first_weekday + n - 1
            self.grid.addWidget(b, 1 + slot // 7, slot % 7)
            self.days.append(b)

    def pick(self, d: date) -> None:
        self.chosen = d
        for b in self.days:
            b.setChecked(b.text() == str(d.day))


class TimeEditor(QWidget):
    """Hours and minutes with − / + steps (minutes by 5) and "Maintenant"."""

    def __init__(self, tr: Tr, initial: time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.minutes = initial.hour * 60 + initial.minute
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.hour_minus = button("−", None, name="TimeStep")
        self.hour_plus = button("+", None, name="TimeStep")
        self.minute_minus = button("−", None, name="TimeStep")
        self.minute_plus = button("+", None, name="TimeStep")
        self.hour = label("", None, name="TimeValue")
        self.minute = label("", None, name="TimeValue")
        for lab in (self.hour, self.minute):
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hour_minus.clicked.connect(lambda: self.step(-60))
        self.hour_plus.clicked.connect(lambda: self.step(60))
        self.minute_minus.clicked.connect(lambda: self.step(-5, snap=True))
        self.minute_plus.clicked.connect(lambda: self.step(5, snap=True))
        self.now_button = button(tr("Maintenant"), None, name="TimeNow")
        self.now_button.clicked.connect(self.now)
        row.addWidget(self.hour_minus)
        row.addWidget(self.hour)
        row.addWidget(self.hour_plus)
        row.addSpacing(6)
        row.addWidget(label("h", "section"))
        row.addSpacing(6)
        row.addWidget(self.minute_minus)
        row.addWidget(self.minute)
        row.addWidget(self.minute_plus)
        row.addStretch(1)
        row.addWidget(self.now_button)
        self.show_time()

    def step(self, delta: int, *, snap: bool = False) -> None:
        if snap and self.minutes % 5:
            self.minutes = self.minutes - self.minutes % 5 + (5 if delta > 0 else 0)
        else:
            self.minutes += delta
        self.minutes %= 24 * 60
        self.show_time()

    def now(self) -> None:
        moment = datetime.now()
        self.minutes = moment.hour * 60 + moment.minute
        self.show_time()

    def value(self) -> time:
        return time(self.minutes // 60, self.minutes % 60)

    def set_value(self, t: time) -> None:
        self.minutes = t.hour * 60 + t.minute
        self.show_time()

    def show_time(self) -> None:
        self.hour.setText(f"{self.minutes // 60:02d}")
        self.minute.setText(f"{self.minutes % 60:02d}")


class DateTimeDialog(QDialog):
    """Pick a date (and a time when ``with_time``). ``result_value()`` after ``accept``."""

    def __init__(self, tr: Tr, title: str, initial: datetime | date | None, *, with_time: bool,
                 past_only: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.with_time = with_time
        self.setObjectName("DateTimeDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        now = datetime.now()
        if isinstance(initial, datetime):
            start_day, start_time = initial.date(), initial.time()
        elif isinstance(initial, date):
            start_day, start_time = initial, time(now.hour, now.minute)
        else:
            start_day, start_time = now.date(), time(now.hour, now.minute)
        box = QVBoxLayout(self)
        box.setContentsMargins(28, 22, 28, 22)
        box.setSpacing(14)
        box.addWidget(label(title, "title", name="PickerTitle", wrap=True))
        quick = QHBoxLayout()
        quick.setSpacing(10)
        self.today = button(tr("Aujourd'hui"), None, name="PickToday")
        self.yesterday = button(tr("Hier"), None, name="PickYesterday")
        self.today.clicked.connect(lambda: self.calendar.show_month(date.today()))
        self.yesterday.clicked.connect(lambda: self.calendar.show_month(date.today() - timedelta(days=1)))
        self.typed = QLineEdit()
        self.typed.setObjectName("TypedDate")
        self.typed.setPlaceholderText(tr("ou tapez JJ/MM/AAAA"))
        self.typed.setAccessibleName(tr("Date tapée"))
        self.typed.setMaxLength(10)
        self.typed.textChanged.connect(self._typed)
        quick.addWidget(self.today)
        quick.addWidget(self.yesterday)
        quick.addWidget(self.typed, 1)
        box.addLayout(quick)
        self.calendar = CalendarGrid(tr, start_day, now.date() if past_only else None)
        box.addWidget(self.calendar)
        self.time = TimeEditor(tr, start_time)
        self.time.setVisible(with_time)
        box.addWidget(self.time)
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        self.cancel = button(tr("Annuler"), None, name="PickCancel")
        self.ok = button(tr("Valider"), "primary", name="PickOk")
        self.cancel.clicked.connect(self.reject)
        self.ok.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        box.addLayout(buttons)

    def _typed(self, text: str) -> None:
        d = parse_fr_date(text)
        if d is not None:
            self.calendar.show_month(d)

    def result_value(self) -> datetime | date:
        d = self.calendar.chosen
        if not self.with_time:
            return d
        return datetime.combine(d, self.time.value())
