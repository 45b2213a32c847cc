<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
<context>
    <name>AuditDialog</name>
    <message>
        <source>Audit log of personal data</source>
        <translation>Audit log of personal data</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>Member card</source>
        <translation>Member card</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Fields</source>
        <translation>Fields</translation>
    </message>
    <message>
        <source>Queued for HQ</source>
        <translation>Queued for HQ</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>Enrolled</translation>
    </message>
    <message>
        <source>Viewed profile</source>
        <translation>Viewed profile</translation>
    </message>
    <message>
        <source>Edited profile</source>
        <translation>Edited profile</translation>
    </message>
    <message>
        <source>Consent given</source>
        <translation>Consent given</translation>
    </message>
    <message>
        <source>Consent withdrawn</source>
        <translation>Consent withdrawn</translation>
    </message>
    <message>
        <source>Erasure requested</source>
        <translation>Erasure requested</translation>
    </message>
    <message>
        <source>Sale cancelled</source>
        <translation>Sale cancelled</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
</context>
<context>
    <name>CameraScanDialog</name>
    <message>
        <source>Scan with the camera</source>
        <translation>Scan with the camera</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Camera preview</source>
        <translation>Camera preview</translation>
    </message>
    <message>
        <source>Scan status</source>
        <translation>Scan status</translation>
    </message>
    <message>
        <source>No camera</source>
        <translation>No camera</translation>
    </message>
    <message>
        <source>No camera found. Connect a camera, or scan the code with the barcode scanner or type the card or phone number.</source>
        <translation>No camera found. Connect a camera, or scan the code with the barcode scanner or type the card or phone number.</translation>
    </message>
    <message>
        <source>Hold the member code or barcode in front of the camera.</source>
        <translation>Hold the member code or barcode in front of the camera.</translation>
    </message>
    <message>
        <source>The camera cannot be used: %1</source>
        <translation>The camera cannot be used: %1</translation>
    </message>
    <message>
        <source>Code read.</source>
        <translation>Code read.</translation>
    </message>
</context>
<context>
    <name>CartTable</name>
    <message>
        <source>Cart</source>
        <translation>Cart</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>Qty</translation>
    </message>
    <message>
        <source>Discount</source>
        <translation>Discount</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>List price %1</source>
        <translation>List price %1</translation>
    </message>
    <message>
        <source>Quantity of line %1</source>
        <translation>Quantity of line %1</translation>
    </message>
</context>
<context>
    <name>CheckoutPage</name>
    <message>
        <source>Scan, or type a phone number, member card or barcode, then Enter</source>
        <extracomment>key → (button attribute, slot name). The key is shown on the button. A sale state is on screen (tests and the benchmark wait for it).</extracomment>
        <translation>Scan, or type a phone number, member card or barcode, then Enter</translation>
    </message>
    <message>
        <source>Scan or type a code</source>
        <translation>Scan or type a code</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>Remove line</source>
        <translation>Remove line</translation>
    </message>
    <message>
        <source>Cancel sale</source>
        <translation>Cancel sale</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Reprint</source>
        <translation>Reprint</translation>
    </message>
    <message>
        <source>Pay with points</source>
        <translation>Pay with points</translation>
    </message>
    <message>
        <source>Points to redeem</source>
        <translation>Points to redeem</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>Max</translation>
    </message>
    <message>
        <source>Coupon code</source>
        <translation>Coupon code</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Apply</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Pay</source>
        <translation>Pay</translation>
    </message>
    <message>
        <source>Cart</source>
        <translation>Cart</translation>
    </message>
    <message>
        <source>Identify the member to pay with points</source>
        <translation>Identify the member to pay with points</translation>
    </message>
    <message>
        <source>This member cannot redeem until synced</source>
        <translation>This member cannot redeem until synced</translation>
    </message>
    <message>
        <source>Scan items, then choose points</source>
        <translation>Scan items, then choose points</translation>
    </message>
    <message>
        <source>At most %1 points usable now (%2)</source>
        <translation>At most %1 points usable now (%2)</translation>
    </message>
    <message>
        <source>offline limit</source>
        <translation>offline limit</translation>
    </message>
    <message>
        <source>Member %1 · %2</source>
        <translation>Member %1 · %2</translation>
    </message>
    <message>
        <source>Added %1</source>
        <translation>Added %1</translation>
    </message>
    <message>
        <source>Line %1 removed</source>
        <translation>Line %1 removed</translation>
    </message>
    <message>
        <source>Paying %1 points (%2)</source>
        <translation>Paying %1 points (%2)</translation>
    </message>
    <message>
        <source>No points used</source>
        <translation>No points used</translation>
    </message>
    <message>
        <source>Points payment reduced to %1: the bill is smaller now</source>
        <translation>Points payment reduced to %1: the bill is smaller now</translation>
    </message>
    <message>
        <source>Coupon %1 applied</source>
        <translation>Coupon %1 applied</translation>
    </message>
    <message>
        <source>Coupon removed</source>
        <translation>Coupon removed</translation>
    </message>
    <message>
        <source>Coupon %1 no longer applies and was removed</source>
        <translation>Coupon %1 no longer applies and was removed</translation>
    </message>
    <message>
        <source>Selling without a member</source>
        <translation>Selling without a member</translation>
    </message>
    <message>
        <source>Sale %1 completed</source>
        <translation>Sale %1 completed</translation>
    </message>
    <message>
        <source>Sale cancelled</source>
        <translation>Sale cancelled</translation>
    </message>
    <message>
        <source>Scan the member code, or type the phone number + Enter</source>
        <translation>Scan the member code, or type the phone number + Enter</translation>
    </message>
    <message>
        <source>Cancel this sale of %1 lines (%2)?</source>
        <translation>Cancel this sale of %1 lines (%2)?</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Conflicts from HQ</source>
        <extracomment>A re-applied edit is in the outbox: the window nudges the sync.</extracomment>
        <translation>Conflicts from HQ</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>This till</source>
        <translation>This till</translation>
    </message>
    <message>
        <source>HQ (kept)</source>
        <translation>HQ (kept)</translation>
    </message>
    <message>
        <source>Changed at</source>
        <translation>Changed at</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Mark all information read</source>
        <translation>Mark all information read</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>Gender</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>Birthday</translation>
    </message>
    <message>
        <source>Preferred categories</source>
        <translation>Preferred categories</translation>
    </message>
    <message>
        <source>Receipt %1</source>
        <translation>Receipt %1</translation>
    </message>
    <message>
        <source>made %1</source>
        <translation>made %1</translation>
    </message>
    <message>
        <source>coupon %1</source>
        <translation>coupon %1</translation>
    </message>
    <message>
        <source>%1 points redeemed</source>
        <translation>%1 points redeemed</translation>
    </message>
    <message>
        <source>points booked if the member's enrolment reaches HQ</source>
        <translation>points booked if the member's enrolment reaches HQ</translation>
    </message>
    <message>
        <source> · </source>
        <translation> · </translation>
    </message>
    <message>
        <source>%1 to look at</source>
        <translation>%1 to look at</translation>
    </message>
    <message>
        <source>No conflicts: HQ agreed with everything this till sent.</source>
        <translation>No conflicts: HQ agreed with everything this till sent.</translation>
    </message>
    <message>
        <source>%1 — member %2</source>
        <translation>%1 — member %2</translation>
    </message>
    <message>
        <source>HQ</source>
        <translation>HQ</translation>
    </message>
    <message>
        <source>For the manager: only they mark it as read.</source>
        <translation>For the manager: only they mark it as read.</translation>
    </message>
    <message>
        <source>Re-apply this till's value</source>
        <translation>Re-apply this till's value</translation>
    </message>
    <message>
        <source>Keep HQ's value</source>
        <translation>Keep HQ's value</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>Mark as read</translation>
    </message>
    <message>
        <source>Sent again: HQ decides when it arrives.</source>
        <translation>Sent again: HQ decides when it arrives.</translation>
    </message>
    <message>
        <source>%1 marked as read.</source>
        <translation>%1 marked as read.</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>Unexpected error</source>
        <translation>Unexpected error</translation>
    </message>
    <message>
        <source>Something went wrong inside posclient. The sale in progress is kept; try again, and tell support if it happens again.</source>
        <translation>Something went wrong inside posclient. The sale in progress is kept; try again, and tell support if it happens again.</translation>
    </message>
</context>
<context>
    <name>DashboardDialog</name>
    <message>
        <source>Store dashboard</source>
        <translation>Store dashboard</translation>
    </message>
    <message>
        <source>Store dashboard · %1</source>
        <translation>Store dashboard · %1</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>PNG…</source>
        <translation>PNG…</translation>
    </message>
    <message>
        <source>CSV…</source>
        <translation>CSV…</translation>
    </message>
    <message>
        <source>Save this chart as a picture</source>
        <translation>Save this chart as a picture</translation>
    </message>
    <message>
        <source>Save this chart's figures as CSV</source>
        <translation>Save this chart's figures as CSV</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>%1 sales · members %2</source>
        <translation>%1 sales · members %2</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Last 30 days</translation>
    </message>
    <message>
        <source>members %1</source>
        <translation>members %1</translation>
    </message>
    <message>
        <source>No chain figures from HQ yet</source>
        <translation>No chain figures from HQ yet</translation>
    </message>
    <message>
        <source>Chain members' share of sales (30 days): %1</source>
        <translation>Chain members' share of sales (30 days): %1</translation>
    </message>
    <message>
        <source>Chain (HQ)</source>
        <translation>Chain (HQ)</translation>
    </message>
    <message>
        <source>Online — no HQ figures received yet</source>
        <translation>Online — no HQ figures received yet</translation>
    </message>
    <message>
        <source>Online — HQ figures as of %1</source>
        <translation>Online — HQ figures as of %1</translation>
    </message>
    <message>
        <source>Offline — figures from this till only, no HQ figures yet</source>
        <translation>Offline — figures from this till only, no HQ figures yet</translation>
    </message>
    <message>
        <source>Offline — figures from this till only, HQ figures as of %1</source>
        <translation>Offline — figures from this till only, HQ figures as of %1</translation>
    </message>
    <message>
        <source>Sales, last 30 days (¥)</source>
        <translation>Sales, last 30 days (¥)</translation>
    </message>
    <message>
        <source>New members per day</source>
        <translation>New members per day</translation>
    </message>
    <message>
        <source>Points issued vs redeemed</source>
        <translation>Points issued vs redeemed</translation>
    </message>
    <message>
        <source>Average ticket by tier, 30 days (¥)</source>
        <translation>Average ticket by tier, 30 days (¥)</translation>
    </message>
    <message>
        <source>Repeat-purchase rate (%)</source>
        <translation>Repeat-purchase rate (%)</translation>
    </message>
    <message>
        <source>Coupon redemptions, 30 days</source>
        <translation>Coupon redemptions, 30 days</translation>
    </message>
    <message>
        <source>All sales</source>
        <translation>All sales</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>This store</source>
        <translation>This store</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>Issued</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>Redeemed</translation>
    </message>
    <message>
        <source>Repeat rate</source>
        <translation>Repeat rate</translation>
    </message>
    <message>
        <source>Average ticket</source>
        <translation>Average ticket</translation>
    </message>
    <message>
        <source>Redemptions</source>
        <translation>Redemptions</translation>
    </message>
    <message>
        <source>30 days</source>
        <translation>30 days</translation>
    </message>
    <message>
        <source>90 days</source>
        <translation>90 days</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>General</source>
        <translation>General</translation>
    </message>
    <message>
        <source>First buy</source>
        <translation>First buy</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>Birthday</translation>
    </message>
    <message>
        <source>Comeback</source>
        <translation>Comeback</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>Export chart</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG image (*.png)</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV file (*.csv)</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>Saved %1</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <source>Enrol a new member</source>
        <extracomment>The card number of the enrolled (or the existing) member, to identify at checkout.</extracomment>
        <translation>Enrol a new member</translation>
    </message>
    <message>
        <source>Customer's mobile number (required)</source>
        <translation>Customer's mobile number (required)</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>Use the existing member</source>
        <translation>Use the existing member</translation>
    </message>
    <message>
        <source>Next: consent</source>
        <translation>Next: consent</translation>
    </message>
    <message>
        <source>Customer's language</source>
        <translation>Customer's language</translation>
    </message>
    <message>
        <source>Membership (required)</source>
        <translation>Membership (required)</translation>
    </message>
    <message>
        <source>Marketing messages (optional)</source>
        <translation>Marketing messages (optional)</translation>
    </message>
    <message>
        <source>Personalised offers (optional)</source>
        <translation>Personalised offers (optional)</translation>
    </message>
    <message>
        <source>Sensitive details: birthday (optional, separate)</source>
        <translation>Sensitive details: birthday (optional, separate)</translation>
    </message>
    <message>
        <source>The customer agrees (required)</source>
        <translation>The customer agrees (required)</translation>
    </message>
    <message>
        <source>The customer agrees (leave unticked to decline)</source>
        <translation>The customer agrees (leave unticked to decline)</translation>
    </message>
    <message>
        <source>The customer is under 14</source>
        <translation>The customer is under 14</translation>
    </message>
    <message>
        <source>A parent or guardian gives consent for them</source>
        <translation>A parent or guardian gives consent for them</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Next: details</source>
        <translation>Next: details</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>Gender</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>Birthday</translation>
    </message>
    <message>
        <source>Preferred categories</source>
        <translation>Preferred categories</translation>
    </message>
    <message>
        <source>Given</source>
        <translation>Given</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>Not given</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>Fresh</source>
        <translation>Fresh</translation>
    </message>
    <message>
        <source>Dairy</source>
        <translation>Dairy</translation>
    </message>
    <message>
        <source>Snacks</source>
        <translation>Snacks</translation>
    </message>
    <message>
        <source>Baby</source>
        <translation>Baby</translation>
    </message>
    <message>
        <source>Household</source>
        <translation>Household</translation>
    </message>
    <message>
        <source>Beauty</source>
        <translation>Beauty</translation>
    </message>
    <message>
        <source>Drinks</source>
        <translation>Drinks</translation>
    </message>
    <message>
        <source>Grocery</source>
        <translation>Grocery</translation>
    </message>
    <message>
        <source>Enrol</source>
        <translation>Enrol</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>Step 1 of 4 · Phone number</source>
        <translation>Step 1 of 4 · Phone number</translation>
    </message>
    <message>
        <source>Step 2 of 4 · Consent</source>
        <translation>Step 2 of 4 · Consent</translation>
    </message>
    <message>
        <source>Step 3 of 4 · Details</source>
        <translation>Step 3 of 4 · Details</translation>
    </message>
    <message>
        <source>Step 4 of 4 · Member code</source>
        <translation>Step 4 of 4 · Member code</translation>
    </message>
    <message>
        <source>Not a member at this till; asking HQ…</source>
        <translation>Not a member at this till; asking HQ…</translation>
    </message>
    <message>
        <source>No member has this number: you can enrol the customer.</source>
        <translation>No member has this number: you can enrol the customer.</translation>
    </message>
    <message>
        <source>at this till</source>
        <translation>at this till</translation>
    </message>
    <message>
        <source>at HQ</source>
        <translation>at HQ</translation>
    </message>
    <message>
        <source>Already a member (%1): %2 %3, card %4</source>
        <translation>Already a member (%1): %2 %3, card %4</translation>
    </message>
    <message>
        <source>The notices are shown on the customer's screen.</source>
        <translation>The notices are shown on the customer's screen.</translation>
    </message>
    <message>
        <source>Turn the screen to the customer: they read each notice and decide.</source>
        <translation>Turn the screen to the customer: they read each notice and decide.</translation>
    </message>
    <message>
        <source>Fields greyed out need a consent the customer did not give.</source>
        <translation>Fields greyed out need a consent the customer did not give.</translation>
    </message>
    <message>
        <source>Enrolled. The customer can scan or photograph this member code.</source>
        <translation>Enrolled. The customer can scan or photograph this member code.</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Set up this till</source>
        <translation>Set up this till</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>HqPage</name>
    <message>
        <source>Checking…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>HQ reachable: chain %1, version %2</source>
        <translation>HQ reachable: chain %1, version %2</translation>
    </message>
    <message>
        <source>Head office (HQ)</source>
        <translation>Head office (HQ)</translation>
    </message>
    <message>
        <source>Type the HQ address your administrator gave you, then check it.</source>
        <translation>Type the HQ address your administrator gave you, then check it.</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>HQ address</translation>
    </message>
    <message>
        <source>Check connection</source>
        <translation>Check connection</translation>
    </message>
</context>
<context>
    <name>LanguagePage</name>
    <message>
        <source>Welcome</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>This till is not set up yet. These steps connect it to head office (HQ) and check the printer and the scanner. Choose the language first.</source>
        <translation>This till is not set up yet. These steps connect it to head office (HQ) and check the printer and the scanner. Choose the language first.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>posclient · log in</source>
        <translation>posclient · log in</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Your PIN</source>
        <translation>Your PIN</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>English</source>
        <translation>English</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>Cashier</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>Assistant</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>Manager</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>posclient checkout · %1</source>
        <extracomment>While first-load pages arrive, the status is read again at most this often (seconds). Status bar layout allowances (px): around each widget, and at the bar's ends. The checkout screen is showing with the scan field focused.</extracomment>
        <translation>posclient checkout · %1</translation>
    </message>
    <message>
        <source>Switch user</source>
        <translation>Switch user</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <source>Connection and queue</source>
        <translation>Connection and queue</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>First load from HQ</source>
        <translation>First load from HQ</translation>
    </message>
    <message>
        <source>Not logged in</source>
        <translation>Not logged in</translation>
    </message>
    <message>
        <source>Pair again</source>
        <translation>Pair again</translation>
    </message>
    <message>
        <source>Pair with HQ</source>
        <translation>Pair with HQ</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>%1 waiting</source>
        <translation>%1 waiting</translation>
    </message>
    <message>
        <source>%1 rejected</source>
        <translation>%1 rejected</translation>
    </message>
    <message>
        <source>synced %1</source>
        <translation>synced %1</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>Last sync %1</translation>
    </message>
    <message>
        <source>Not paired with HQ: sales are kept on this till</source>
        <translation>Not paired with HQ: sales are kept on this till</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>Never synced</translation>
    </message>
    <message>
        <source>HQ refused this till's token (revoked).</source>
        <translation>HQ refused this till's token (revoked).</translation>
    </message>
    <message>
        <source>This till has no device token for HQ.</source>
        <translation>This till has no device token for HQ.</translation>
    </message>
    <message>
        <source>A manager must enter a new pairing code in Settings (F10). Sales stay on this till until then.</source>
        <translation>A manager must enter a new pairing code in Settings (F10). Sales stay on this till until then.</translation>
    </message>
    <message>
        <source>Conflicts: %1</source>
        <translation>Conflicts: %1</translation>
    </message>
    <message>
        <source>Preparing card and phone look-ups</source>
        <translation>Preparing card and phone look-ups</translation>
    </message>
</context>
<context>
    <name>MemberActions</name>
    <message>
        <source>New member</source>
        <translation>New member</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Profile</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>Audit log</translation>
    </message>
    <message>
        <source>Member profile</source>
        <translation>Member profile</translation>
    </message>
    <message>
        <source>Phone number or member card</source>
        <translation>Phone number or member card</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>Tier</translation>
    </message>
    <message>
        <source>Points balance</source>
        <translation>Points balance</translation>
    </message>
    <message>
        <source>Member tags</source>
        <translation>Member tags</translation>
    </message>
    <message>
        <source>Clear ×</source>
        <translation>Clear ×</translation>
    </message>
    <message>
        <source>Sell without this member</source>
        <translation>Sell without this member</translation>
    </message>
    <message>
        <source>No member yet: scan the member's code or type the phone number (F2).</source>
        <translation>No member yet: scan the member's code or type the phone number (F2).</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(no name)</translation>
    </message>
    <message>
        <source>%1 points (%2)</source>
        <translation>%1 points (%2)</translation>
    </message>
    <message>
        <source>Offline: balance not confirmed by HQ</source>
        <translation>Offline: balance not confirmed by HQ</translation>
    </message>
    <message>
        <source>Offline: balance as of %1</source>
        <translation>Offline: balance as of %1</translation>
    </message>
    <message>
        <source>%1 points expire by %2</source>
        <translation>%1 points expire by %2</translation>
    </message>
    <message>
        <source>%1 more to reach %2</source>
        <translation>%1 more to reach %2</translation>
    </message>
    <message>
        <source>Member not synced to this till yet: earns points, cannot redeem</source>
        <translation>Member not synced to this till yet: earns points, cannot redeem</translation>
    </message>
    <message>
        <source>Points overdrawn at HQ: recovered from future earnings</source>
        <translation>Points overdrawn at HQ: recovered from future earnings</translation>
    </message>
    <message>
        <source>Apply coupon %1</source>
        <translation>Apply coupon %1</translation>
    </message>
    <message>
        <source>%1 off</source>
        <translation>%1 off</translation>
    </message>
    <message>
        <source>%1% off</source>
        <translation>%1% off</translation>
    </message>
    <message>
        <source>%1× points</source>
        <translation>%1× points</translation>
    </message>
    <message>
        <source>min. %1</source>
        <translation>min. %1</translation>
    </message>
    <message>
        <source>until %1</source>
        <translation>until %1</translation>
    </message>
    <message>
        <source>apply %1</source>
        <translation>apply %1</translation>
    </message>
    <message>
        <source>★ Birthday on %1</source>
        <translation>★ Birthday on %1</translation>
    </message>
    <message>
        <source>wish them a happy birthday</source>
        <translation>wish them a happy birthday</translation>
    </message>
    <message>
        <source>★ New member, first purchase</source>
        <translation>★ New member, first purchase</translation>
    </message>
    <message>
        <source>welcome them</source>
        <translation>welcome them</translation>
    </message>
    <message>
        <source>★ Welcome back after a long break</source>
        <translation>★ Welcome back after a long break</translation>
    </message>
    <message>
        <source>★ %1 more to %2</source>
        <translation>★ %1 more to %2</translation>
    </message>
    <message>
        <source>★ %1 points expire by %2: suggest using them</source>
        <translation>★ %1 points expire by %2: suggest using them</translation>
    </message>
</context>
<context>
    <name>PairDialog</name>
    <message>
        <source>Pair with HQ</source>
        <translation>Pair with HQ</translation>
    </message>
    <message>
        <source>Type the HQ address and a new one-time pairing code from HQ. Sales waiting on this till go to HQ as soon as it is paired.</source>
        <translation>Type the HQ address and a new one-time pairing code from HQ. Sales waiting on this till go to HQ as soon as it is paired.</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>HQ address</translation>
    </message>
    <message>
        <source>Pairing code</source>
        <translation>Pairing code</translation>
    </message>
    <message>
        <source>Pairing with HQ</source>
        <translation>Pairing with HQ</translation>
    </message>
    <message>
        <source>Pair</source>
        <translation>Pair</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>HQ refused this till's token (revoked): nothing is sent until it is paired again.</source>
        <translation>HQ refused this till's token (revoked): nothing is sent until it is paired again.</translation>
    </message>
    <message>
        <source>This till has no device token: nothing is sent until it is paired again.</source>
        <translation>This till has no device token: nothing is sent until it is paired again.</translation>
    </message>
    <message>
        <source>This till is paired and HQ accepts it: pair again only when HQ asks for it (HQ replaces this device, and its current token stops working).</source>
        <translation>This till is paired and HQ accepts it: pair again only when HQ asks for it (HQ replaces this device, and its current token stops working).</translation>
    </message>
    <message>
        <source>Type the pairing code</source>
        <translation>Type the pairing code</translation>
    </message>
    <message>
        <source>Pairing with HQ…</source>
        <translation>Pairing with HQ…</translation>
    </message>
    <message>
        <source>Paired: this till is device %1 of store %2. Sending to HQ…</source>
        <translation>Paired: this till is device %1 of store %2. Sending to HQ…</translation>
    </message>
</context>
<context>
    <name>PairPage</name>
    <message>
        <source>Type the pairing code</source>
        <translation>Type the pairing code</translation>
    </message>
    <message>
        <source>Pairing…</source>
        <translation>Pairing…</translation>
    </message>
    <message>
        <source>Paired: this till is device %1 of store %2</source>
        <translation>Paired: this till is device %1 of store %2</translation>
    </message>
    <message>
        <source>Store and pairing</source>
        <translation>Store and pairing</translation>
    </message>
    <message>
        <source>Type this store's code and the one-time pairing code from HQ. The till keeps the key it receives in the system's secret store.</source>
        <translation>Type this store's code and the one-time pairing code from HQ. The till keeps the key it receives in the system's secret store.</translation>
    </message>
    <message>
        <source>Store code</source>
        <translation>Store code</translation>
    </message>
    <message>
        <source>Pairing code</source>
        <translation>Pairing code</translation>
    </message>
    <message>
        <source>Pair with HQ</source>
        <translation>Pair with HQ</translation>
    </message>
</context>
<context>
    <name>PrinterPage</name>
    <message>
        <source>No printer set: receipts can be saved as PDF</source>
        <translation>No printer set: receipts can be saved as PDF</translation>
    </message>
    <message>
        <source>Test receipt sent: check that it printed</source>
        <translation>Test receipt sent: check that it printed</translation>
    </message>
    <message>
        <source>Receipt printer</source>
        <translation>Receipt printer</translation>
    </message>
    <message>
        <source>Set the receipt printer and print a test receipt, or leave it for later.</source>
        <translation>Set the receipt printer and print a test receipt, or leave it for later.</translation>
    </message>
    <message>
        <source>Printer (ESC/POS)</source>
        <translation>Printer (ESC/POS)</translation>
    </message>
    <message>
        <source>usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none</source>
        <translation>usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none</translation>
    </message>
    <message>
        <source>Print test receipt</source>
        <translation>Print test receipt</translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <source>Member profile</source>
        <extracomment>A change went into the outbox (profile edit, consent, erasure): worth sending now.</extracomment>
        <translation>Member profile</translation>
    </message>
    <message>
        <source>Details and consent</source>
        <translation>Details and consent</translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation>Purchases</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>Gender</translation>
    </message>
    <message>
        <source>Birthday (YYYY-MM-DD)</source>
        <translation>Birthday (YYYY-MM-DD)</translation>
    </message>
    <message>
        <source>Preferred categories</source>
        <translation>Preferred categories</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>Not given</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>Save changes</translation>
    </message>
    <message>
        <source>Consent (untick to withdraw: the data goes at once)</source>
        <translation>Consent (untick to withdraw: the data goes at once)</translation>
    </message>
    <message>
        <source>Marketing messages</source>
        <translation>Marketing messages</translation>
    </message>
    <message>
        <source>Personalised offers (gender, preferred categories)</source>
        <translation>Personalised offers (gender, preferred categories)</translation>
    </message>
    <message>
        <source>Sensitive details (birthday)</source>
        <translation>Sensitive details (birthday)</translation>
    </message>
    <message>
        <source>Click again to confirm the erasure</source>
        <translation>Click again to confirm the erasure</translation>
    </message>
    <message>
        <source>Close membership and erase data</source>
        <translation>Close membership and erase data</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Movement</source>
        <translation>Movement</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expires</translation>
    </message>
    <message>
        <source> · masked (cashier view)</source>
        <translation> · masked (cashier view)</translation>
    </message>
    <message>
        <source>Card %1 · %2 purchases</source>
        <translation>Card %1 · %2 purchases</translation>
    </message>
    <message>
        <source>Earned</source>
        <translation>Earned</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>Redeemed</translation>
    </message>
    <message>
        <source>Balance at HQ</source>
        <translation>Balance at HQ</translation>
    </message>
    <message>
        <source>Refund: points back</source>
        <translation>Refund: points back</translation>
    </message>
    <message>
        <source>Refund: earned points taken back</source>
        <translation>Refund: earned points taken back</translation>
    </message>
    <message>
        <source> (not synced)</source>
        <translation> (not synced)</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>Saved: %1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>No changes</source>
        <translation>No changes</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>Birthday</translation>
    </message>
    <message>
        <source>Consent recorded</source>
        <translation>Consent recorded</translation>
    </message>
    <message>
        <source>Erasure requested</source>
        <translation>Erasure requested</translation>
    </message>
</context>
<context>
    <name>QueueDialog</name>
    <message>
        <source>Sync queue</source>
        <extracomment>The user asked for a sync pass now.</extracomment>
        <translation>Sync queue</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>What</source>
        <translation>What</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Events waiting for HQ or rejected by HQ</source>
        <translation>Events waiting for HQ or rejected by HQ</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>This till must be paired with HQ again before anything is sent: a manager enters a new pairing code in Settings (F10).</source>
        <translation>This till must be paired with HQ again before anything is sent: a manager enters a new pairing code in Settings (F10).</translation>
    </message>
    <message>
        <source>Not sent: pair this till with HQ again first (a manager, Settings F10).</source>
        <translation>Not sent: pair this till with HQ again first (a manager, Settings F10).</translation>
    </message>
    <message>
        <source>Syncing with HQ…</source>
        <translation>Syncing with HQ…</translation>
    </message>
    <message>
        <source>Synced with HQ.</source>
        <translation>Synced with HQ.</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>Rejected by HQ</source>
        <translation>Rejected by HQ</translation>
    </message>
    <message>
        <source>Nothing is waiting: HQ has everything.</source>
        <translation>Nothing is waiting: HQ has everything.</translation>
    </message>
    <message>
        <source>%1 waiting for HQ, %2 rejected (kept here, never dropped).</source>
        <translation>%1 waiting for HQ, %2 rejected (kept here, never dropped).</translation>
    </message>
    <message>
        <source>Held back: this till must be paired with HQ again</source>
        <translation>Held back: this till must be paired with HQ again</translation>
    </message>
    <message>
        <source>Not sent yet (%1 attempts)</source>
        <translation>Not sent yet (%1 attempts)</translation>
    </message>
    <message>
        <source>HQ unreachable: sent by itself when HQ answers</source>
        <translation>HQ unreachable: sent by itself when HQ answers</translation>
    </message>
</context>
<context>
    <name>Receipt</name>
    <message>
        <source>*** REPRINT ***</source>
        <translation>*** REPRINT ***</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>Cashier</translation>
    </message>
    <message>
        <source>Subtotal</source>
        <translation>Subtotal</translation>
    </message>
    <message>
        <source>Member prices</source>
        <translation>Member prices</translation>
    </message>
    <message>
        <source>Tier discount</source>
        <translation>Tier discount</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>Coupon</translation>
    </message>
    <message>
        <source>Paid with %1 points</source>
        <translation>Paid with %1 points</translation>
    </message>
    <message>
        <source>Amount due</source>
        <translation>Amount due</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>Points earned</source>
        <translation>Points earned</translation>
    </message>
    <message>
        <source>Points balance</source>
        <translation>Points balance</translation>
    </message>
    <message>
        <source>Points are provisional until the member is synced</source>
        <translation>Points are provisional until the member is synced</translation>
    </message>
    <message>
        <source>Recorded offline; sent to HQ when the till is back online</source>
        <translation>Recorded offline; sent to HQ when the till is back online</translation>
    </message>
    <message>
        <source>Thank you for shopping with us</source>
        <translation>Thank you for shopping with us</translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <source>Receipt %1</source>
        <translation>Receipt %1</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>Save as PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <source>Receipt printer</source>
        <translation>Receipt printer</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Save receipt as PDF</source>
        <translation>Save receipt as PDF</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>Saved %1</translation>
    </message>
    <message>
        <source>Sent to the printer</source>
        <translation>Sent to the printer</translation>
    </message>
    <message>
        <source>Printed on the receipt printer</source>
        <translation>Printed on the receipt printer</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Receipt number, e.g. S001-0000-0000001</source>
        <translation>Receipt number, e.g. S001-0000-0000001</translation>
    </message>
    <message>
        <source>Receipt number</source>
        <translation>Receipt number</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>Find</translation>
    </message>
    <message>
        <source>Reason for the refund</source>
        <translation>Reason for the refund</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Refund selected</source>
        <translation>Refund selected</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>Sold</source>
        <translation>Sold</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Refund qty</source>
        <translation>Refund qty</translation>
    </message>
    <message>
        <source>Scan or type the receipt number of the sale.</source>
        <translation>Scan or type the receipt number of the sale.</translation>
    </message>
    <message>
        <source>Receipt %1 · %2 · paid %3</source>
        <translation>Receipt %1 · %2 · paid %3</translation>
    </message>
</context>
<context>
    <name>ScannerPage</name>
    <message>
        <source>Scanner works</source>
        <translation>Scanner works</translation>
    </message>
    <message>
        <source>Member card: %1</source>
        <translation>Member card: %1</translation>
    </message>
    <message>
        <source>Phone number: %1</source>
        <translation>Phone number: %1</translation>
    </message>
    <message>
        <source>Product code: %1</source>
        <translation>Product code: %1</translation>
    </message>
    <message>
        <source>Member QR code: card %1</source>
        <translation>Member QR code: card %1</translation>
    </message>
    <message>
        <source>Member dynamic QR code</source>
        <translation>Member dynamic QR code</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>Scanner</translation>
    </message>
    <message>
        <source>Scan any barcode or member code (or type one and press Enter): the till shows what it read.</source>
        <translation>Scan any barcode or member code (or type one and press Enter): the till shows what it read.</translation>
    </message>
    <message>
        <source>Test scan</source>
        <translation>Test scan</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Receipt printer (ESC/POS)</source>
        <translation>Receipt printer (ESC/POS)</translation>
    </message>
    <message>
        <source>Scanner prefix</source>
        <translation>Scanner prefix</translation>
    </message>
    <message>
        <source>Scanner suffix</source>
        <translation>Scanner suffix</translation>
    </message>
    <message>
        <source>Max. gap between scanner keys (ms)</source>
        <translation>Max. gap between scanner keys (ms)</translation>
    </message>
    <message>
        <source>Shortest scan (characters)</source>
        <translation>Shortest scan (characters)</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>HQ address</translation>
    </message>
    <message>
        <source>Store code</source>
        <translation>Store code</translation>
    </message>
    <message>
        <source>usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none</source>
        <translation>usb:04b8:0202, network:192.168.1.50 or file:/dev/usb/lp0; empty for none</translation>
    </message>
    <message>
        <source>Pair with HQ…</source>
        <translation>Pair with HQ…</translation>
    </message>
    <message>
        <source>Enter a new pairing code from HQ when HQ refused this till's token</source>
        <translation>Enter a new pairing code from HQ when HQ refused this till's token</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>SyncEvents</name>
    <message>
        <source>Sale</source>
        <translation>Sale</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Enrolment</source>
        <translation>Enrolment</translation>
    </message>
    <message>
        <source>Profile edit</source>
        <translation>Profile edit</translation>
    </message>
    <message>
        <source>Consent decision</source>
        <translation>Consent decision</translation>
    </message>
    <message>
        <source>Erasure request</source>
        <translation>Erasure request</translation>
    </message>
    <message>
        <source>Audit record</source>
        <translation>Audit record</translation>
    </message>
    <message>
        <source>Opening points balance</source>
        <translation>Opening points balance</translation>
    </message>
</context>
<context>
    <name>TotalsPanel</name>
    <message>
        <source>Subtotal</source>
        <translation>Subtotal</translation>
    </message>
    <message>
        <source>Member prices</source>
        <translation>Member prices</translation>
    </message>
    <message>
        <source>Tier discount</source>
        <translation>Tier discount</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>Coupon</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>Amount due</source>
        <translation>Amount due</translation>
    </message>
    <message>
        <source>Points to earn</source>
        <translation>Points to earn</translation>
    </message>
    <message>
        <source>%1 pts  %2</source>
        <translation>%1 pts  %2</translation>
    </message>
</context>
<context>
    <name>VoidDialog</name>
    <message>
        <source>Cancel the sale</source>
        <translation>Cancel the sale</translation>
    </message>
    <message>
        <source>Choose a reason…</source>
        <translation>Choose a reason…</translation>
    </message>
    <message>
        <source>Customer changed their mind</source>
        <translation>Customer changed their mind</translation>
    </message>
    <message>
        <source>Wrong items scanned</source>
        <translation>Wrong items scanned</translation>
    </message>
    <message>
        <source>Price disagreement</source>
        <translation>Price disagreement</translation>
    </message>
    <message>
        <source>Payment failed</source>
        <translation>Payment failed</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>Reason (required)</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Cancel sale</source>
        <translation>Cancel sale</translation>
    </message>
    <message>
        <source>Keep selling</source>
        <translation>Keep selling</translation>
    </message>
</context>
</TS>