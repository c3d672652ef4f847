"""voiceskill.kiosk"""
